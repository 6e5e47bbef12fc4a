#include "plantwin/io/live_publisher.h"

namespace plantwin::io {

LivePlant LivePublisher::describe(const Model& m) {
  LivePlant p;
  p.title = m.name();
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Component& c = m.component(static_cast<int>(i));
    p.components.push_back({c.name(), c.type(), m.positions()[i].first, m.positions()[i].second,
                            c.display_capacity()});
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Component& c = m.component(static_cast<int>(i));
    for (int o = 0; o < c.num_outputs(); ++o)
      p.links.push_back({static_cast<int>(i), c.output(o).component});
  }
  for (const auto& s : m.signals()) p.signals.push_back({s.name, s.unit});
  return p;
}

void LivePublisher::publish(const Sim& sim, bool final) {
  snapshot_.time = sim.now();
  snapshot_.complete = final;
  snapshot_.values.resize(sim.model().signals().size());
  for (std::size_t i = 0; i < snapshot_.values.size(); ++i)
    snapshot_.values[i] = sim.signal(static_cast<int>(i));
  snapshot_.events.clear();
  const auto& ev = sim.state().trace.events;
  for (; events_published_ < ev.size(); ++events_published_) {
    const auto& e = ev[events_published_];
    snapshot_.events.push_back(
        format_event_line({e.time, sim.model().component(e.component).name(), e.kind, e.detail}));
  }
  snapshot_.kpis.clear();
  const auto now = std::chrono::steady_clock::now();
  if (final || !kpis_published_ ||
      std::chrono::duration<double>(now - last_kpis_).count() >= kKpiPeriodS) {
    std::vector<LiveKpi> rows;
    for (auto& k : sim.kpis())
      rows.push_back(
          {std::move(k.component), std::move(k.name), std::move(k.unit), k.value, k.half_width});
    snapshot_.kpis = format_kpi_block(rows);
    last_kpis_ = now;
    kpis_published_ = true;
  }
  server_.publish(snapshot_);
}

}  // namespace plantwin::io
