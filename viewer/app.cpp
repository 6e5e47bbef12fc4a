#include "app.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <imgui.h>

namespace plantwin::viewer {
namespace {

ImU32 rgb(Rgb c, int alpha = 255) {
  return IM_COL32(c.r, c.g, c.b, alpha);
}

std::string fmt_time(double s) {
  if (!std::isfinite(s)) return "-";
  // Beyond a million years days and hours mean nothing (and would overflow the integer).
  if (std::abs(s) >= 3.15e13) return fmt::format("{:.6g} s", s);
  const long long t = static_cast<long long>(std::floor(s));
  return fmt::format("{}d {:02}:{:02}:{:02}", t / 86400, (t / 3600) % 24, (t / 60) % 60, t % 60);
}

Rgb state_colour(double state) {
  if (std::isnan(state)) return kUnknown;
  switch (static_cast<int>(state)) {
    case 0:
      return kWorking;
    case 1:
      return kStarved;
    case 2:
      return kBlocked;
    case 3:
      return kDown;
    case 4:
      return kOff;
    default:
      return kUnknown;
  }
}

/// ImGui's float widgets assert on ranges beyond FLT_MAX / 2: times that far are clamped there.
float widget_float(double v) {
  constexpr double kLimit = 1e37;
  return static_cast<float>(std::isnan(v) ? 0.0 : std::clamp(v, -kLimit, kLimit));
}

/// Where `t` lies between t0 and t1 as a fraction, without overflow for any finite times.
double fraction(double t, double t0, double t1) {
  const double span = t1 * 0.5 - t0 * 0.5;
  return span > 0 ? std::clamp((t * 0.5 - t0 * 0.5) / span, 0.0, 1.0) : 0.0;
}

const char* state_name(double state) {
  if (std::isnan(state)) return "?";
  static const char* names[] = {"working", "starved", "blocked", "down", "off"};
  const int i = static_cast<int>(state);
  return i >= 0 && i < 5 ? names[i] : "?";
}

}  // namespace

App::App(std::unique_ptr<DataSource> data) : data_(std::move(data)) {
  placement_ = layout(*data_);
  index_series();
  time_ = data_->t0;
  view_t0_ = data_->t0;
  view_t1_ = data_->t1 > data_->t0 ? data_->t1 : data_->t0 + 1;
  event_to_ = widget_float(data_->t1);
  // Start with the plant's buffer levels plotted: what engineers look at first.
  for (const auto& s : data_->series)
    if (plotted_.size() < 3 && s.name.size() > 6 && s.name.substr(s.name.size() - 6) == ".level")
      plotted_.push_back(s.name);
}

void App::index_series() {
  std::unordered_map<std::string, int> by_name;
  for (std::size_t i = 0; i < data_->series.size(); ++i)
    by_name[data_->series[i].name] = static_cast<int>(i);
  auto lookup = [&](const std::string& n) {
    const auto it = by_name.find(n);
    return it == by_name.end() ? -1 : it->second;
  };
  for (std::size_t i = 0; i < data_->components.size(); ++i)
    if (data_->components[i].type == "feed") feeds_.push_back(static_cast<int>(i));
  for (const auto& c : data_->components) {
    state_series_.push_back(lookup(c.name + ".state"));
    level_series_.push_back(lookup(c.name + ".level"));
    count_series_.push_back(lookup(c.name + ".count"));
    temperature_series_.push_back(lookup(c.name + ".temperature"));
  }
}

void App::index_alarms() {
  // Events only grow (a live source may drop the oldest tenth beyond its limit: start again).
  if (alarm_events_seen_ > data_->events.size()) {
    alarms_.clear();
    alarm_events_seen_ = 0;
  }
  for (; alarm_events_seen_ < data_->events.size(); ++alarm_events_seen_) {
    const EventRow& e = data_->events[alarm_events_seen_];
    if (e.kind == "alarm") {
      alarms_.push_back({e.component, e.detail, e.time});
    } else if (e.kind == "cleared") {
      for (auto it = alarms_.rbegin(); it != alarms_.rend(); ++it)
        if (it->component == e.component && std::isnan(it->cleared)) {
          it->cleared = e.time;
          break;
        }
    }
  }
}

int App::alarms_raised() const {
  return static_cast<int>(std::count_if(alarms_.begin(), alarms_.end(),
                                        [&](const AlarmRow& a) { return a.raised <= time_; }));
}

int App::alarms_active() const {
  return static_cast<int>(std::count_if(alarms_.begin(), alarms_.end(), [&](const AlarmRow& a) {
    return a.raised <= time_ && !(a.cleared <= time_);
  }));
}

void App::frame(float dt, float width, float height) {
  width_ = width;
  height_ = height;
  if (data_->refresh()) {  // a live source received data (perhaps its last: status ended)
    if (follow_live_) time_ = data_->t1;
    view_t1_ = std::max(view_t1_, data_->t1);
    event_to_ = widget_float(data_->t1);
  }
  index_alarms();
  if (playing_) {
    time_ += speed_ * dt;
    if (time_ >= data_->t1) {
      time_ = data_->t1;
      playing_ = false;
    }
  }
  plant_window();
  timeline_window();
  signals_window();
  kpi_window();
  events_window();
}

void App::plant_window() {
  const float w = width_ * 0.62f, h = height_ * 0.58f;
  ImGui::SetNextWindowPos(ImVec2(0, 0), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_FirstUseEver);
  ImGui::Begin("Plant");
  const std::string status = data_->status();
  ImGui::Text("%s   t = %s   [%s]", data_->title.c_str(), fmt_time(time_).c_str(),
              status == "lost"    ? "simulation disappeared: showing the data received"
              : status == "ended" ? "simulation ended"
                                  : status.c_str());
  if (!data_->status_detail.empty() || data_->rejected_lines > 0) {
    ImGui::TextDisabled(
        "%s%s%s", data_->status_detail.c_str(),
        !data_->status_detail.empty() && data_->rejected_lines > 0 ? "; " : "",
        data_->rejected_lines > 0
            ? fmt::format("{} malformed lines skipped", data_->rejected_lines).c_str()
            : "");
  }
  // Legend.
  const Rgb legend[] = {kWorking, kStarved, kBlocked, kDown, kOff};
  const char* names[] = {"working", "starved", "blocked", "down", "off"};
  for (int i = 0; i < 5; ++i) {
    ImGui::SameLine(i == 0 ? 0 : 0, 12);
    ImGui::ColorButton(names[i],
                       ImVec4(legend[i].r / 255.f, legend[i].g / 255.f, legend[i].b / 255.f, 1),
                       ImGuiColorEditFlags_NoTooltip, ImVec2(12, 12));
    ImGui::SameLine(0, 4);
    ImGui::TextUnformatted(names[i]);
  }
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const std::size_t n = data_->components.size();
  const float cw = static_cast<float>(placement_.cell_w) * avail.x;
  const float ch = static_cast<float>(placement_.cell_h) * avail.y;
  const float bw = std::clamp(cw * 0.62f, 3.0f, 110.0f), bh = std::clamp(ch * 0.5f, 3.0f, 46.0f);
  const bool labels = bw > 40 && bh > 14;
  const float round = bw > 20 ? 4.0f : 0.0f;  // rounded corners cost triangles: only when visible
  const bool arrowheads = bw > 12;
  boxes_.clear();
  std::vector<ImVec2> centre(n);
  for (std::size_t i = 0; i < n; ++i)
    centre[i] = ImVec2(origin.x + static_cast<float>(placement_.x[i]) * avail.x,
                       origin.y + static_cast<float>(placement_.y[i]) * avail.y);
  // Flows as arrows, under the boxes.
  for (auto [a, b] : data_->links) {
    const ImVec2 p = centre[static_cast<std::size_t>(a)], q = centre[static_cast<std::size_t>(b)];
    const float dx = q.x - p.x, dy = q.y - p.y, len = std::sqrt(dx * dx + dy * dy);
    if (len < 1) continue;
    const float ux = dx / len, uy = dy / len;
    // Leave the boxes' edges: clip to the half-size along the direction.
    const float tx = std::abs(ux) > 1e-6f ? (bw * 0.5f) / std::abs(ux) : 1e9f;
    const float ty = std::abs(uy) > 1e-6f ? (bh * 0.5f) / std::abs(uy) : 1e9f;
    const float cut = std::min(tx, ty);
    const ImVec2 s(p.x + ux * cut, p.y + uy * cut), e(q.x - ux * cut, q.y - uy * cut);
    const ImU32 col = IM_COL32(170, 170, 170, 255);
    dl->AddLine(s, e, col, arrowheads ? 1.5f : 1.0f);
    if (!arrowheads) continue;
    const float ah = std::min(8.0f, len * 0.2f);
    dl->AddTriangleFilled(e, ImVec2(e.x - ux * ah - uy * ah * 0.5f, e.y - uy * ah + ux * ah * 0.5f),
                          ImVec2(e.x - ux * ah + uy * ah * 0.5f, e.y - uy * ah - ux * ah * 0.5f),
                          col);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ComponentInfo& c = data_->components[i];
    const ImVec2 a(centre[i].x - bw * 0.5f, centre[i].y - bh * 0.5f),
        b(centre[i].x + bw * 0.5f, centre[i].y + bh * 0.5f);
    std::string label;
    if (c.type == "machine" || c.type == "assembly") {
      const Series* st = state_series_[i] >= 0
                             ? &data_->series[static_cast<std::size_t>(state_series_[i])]
                             : nullptr;
      const double v = st ? st->at(time_) : std::nan("");
      dl->AddRectFilled(a, b, rgb(state_colour(v)), round);
      label = state_name(v);
    } else if (c.type == "buffer" || c.type == "conveyor") {
      const Series* lv = level_series_[i] >= 0
                             ? &data_->series[static_cast<std::size_t>(level_series_[i])]
                             : nullptr;
      const double level = lv ? lv->at(time_) : std::nan("");
      dl->AddRectFilled(a, b, IM_COL32(40, 44, 52, 255), round * 0.5f);
      double fill = 0;
      if (std::isfinite(level)) {
        const double cap =
            std::isfinite(c.capacity) && c.capacity > 0 ? c.capacity : std::max(level, 1.0) * 2;
        fill = std::clamp(level / cap, 0.0, 1.0);
        label = std::isfinite(c.capacity) ? fmt::format("{:.0f}/{:.0f}", level, c.capacity)
                                          : fmt::format("{:.0f}", level);
      }
      if (fill > 0)
        dl->AddRectFilled(ImVec2(a.x, b.y - static_cast<float>(fill) * bh), b, rgb(kBufferFill),
                          round * 0.5f);
      if (labels) dl->AddRect(a, b, IM_COL32(200, 200, 200, 255), 2);
    } else if (c.type == "source" || c.type == "sink") {
      dl->AddRectFilled(a, b, IM_COL32(150, 120, 200, 255), round > 0 ? bh * 0.5f : 0.0f);
      const Series* cnt = count_series_[i] >= 0
                              ? &data_->series[static_cast<std::size_t>(count_series_[i])]
                              : nullptr;
      if (cnt) label = fmt::format("{:.0f} parts", cnt->at(time_));
    } else {
      dl->AddRectFilled(a, b, IM_COL32(90, 90, 110, 255), round * 0.5f);
      const Series* t = temperature_series_[i] >= 0
                            ? &data_->series[static_cast<std::size_t>(temperature_series_[i])]
                            : nullptr;
      if (t) label = fmt::format("{:.1f} C", t->at(time_));
    }
    if (labels) {
      // Names are clipped to their grid cell so that neighbours stay readable.
      dl->PushClipRect(ImVec2(centre[i].x - cw * 0.5f + 2, a.y - 16),
                       ImVec2(centre[i].x + cw * 0.5f - 2, b.y + 18), true);
      dl->AddText(ImVec2(a.x, b.y + 2), IM_COL32(230, 230, 230, 255), c.name.c_str());
      if (!label.empty())
        dl->AddText(ImVec2(a.x, a.y - 15), IM_COL32(190, 190, 190, 255), label.c_str());
      dl->PopClipRect();
    }
    boxes_.push_back({c.name, c.type, a.x, a.y, b.x, b.y});
  }
  ImGui::Dummy(avail);
  ImGui::End();
}

void App::timeline_window() {
  const float y = height_ * 0.58f, w = width_ * 0.62f;
  ImGui::SetNextWindowPos(ImVec2(0, y), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(w, 92), ImGuiCond_FirstUseEver);
  ImGui::Begin("Timeline");
  if (ImGui::Button(playing_ ? "Pause" : "Play")) {
    if (!playing_ && time_ >= data_->t1) time_ = data_->t0;
    playing_ = !playing_;
  }
  ImGui::SameLine();
  if (ImGui::Button("|<")) time_ = data_->t0;
  ImGui::SameLine();
  if (ImGui::Button("< event")) {
    for (auto it = data_->events.rbegin(); it != data_->events.rend(); ++it)
      if (it->time < time_ - 1e-9) {
        time_ = it->time;
        break;
      }
  }
  ImGui::SameLine();
  if (ImGui::Button("event >")) {
    for (const auto& e : data_->events)
      if (e.time > time_ + 1e-9) {
        time_ = e.time;
        break;
      }
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("speed (x)", &speed_, 1, 100000, "%.0f", ImGuiSliderFlags_Logarithmic);
  if (data_->status() == "live") {
    ImGui::SameLine();
    ImGui::Checkbox("follow", &follow_live_);
  }
  // The slider moves a fraction of the run, so that any finite times fit a float widget.
  const double t0 = data_->t0, t1 = std::max(data_->t1, data_->t0);
  float f = static_cast<float>(fraction(time_, t0, t1));
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderFloat("##time", &f, 0.0f, 1.0f, fmt_time(time_).c_str()) && t1 > t0) {
    time_ = 2 * (t0 * 0.5 + static_cast<double>(f) * (t1 * 0.5 - t0 * 0.5));
    follow_live_ = false;
  }
  ImGui::End();
}

void App::plot(const Series& s, float height) {
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  ImGui::InvisibleButton(s.name.c_str(), ImVec2(w, height));
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 b(a.x + w, a.y + height);
  dl->AddRectFilled(a, b, IM_COL32(25, 28, 34, 255));
  // Zoom with the wheel around the cursor; pan by dragging.
  const double span = std::max(view_t1_ - view_t0_, 1e-6);
  if (hovered) {
    const float wheel = ImGui::GetIO().MouseWheel;
    if (wheel != 0) {
      const double at = view_t0_ + (ImGui::GetIO().MousePos.x - a.x) / w * span;
      const double f = wheel > 0 ? 0.8 : 1.25;
      view_t0_ = at - (at - view_t0_) * f;
      view_t1_ = at + (view_t1_ - at) * f;
    }
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
      const double shift = -ImGui::GetIO().MouseDelta.x / w * span;
      view_t0_ += shift;
      view_t1_ += shift;
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) || !std::isfinite(view_t1_ - view_t0_)) {
      view_t0_ = data_->t0;
      view_t1_ = std::max(data_->t1, data_->t0 + 1);
    }
  }
  // Visible samples, reduced to min/max per pixel column.
  const auto lo = std::lower_bound(s.t.begin(), s.t.end(), view_t0_);
  const auto hi = std::upper_bound(s.t.begin(), s.t.end(), view_t1_);
  std::size_t i0 = static_cast<std::size_t>(lo - s.t.begin());
  if (i0 > 0) --i0;
  const std::size_t i1 = std::min(s.t.size(), static_cast<std::size_t>(hi - s.t.begin()) + 1);
  double vmin = HUGE_VAL, vmax = -HUGE_VAL;
  for (std::size_t i = i0; i < i1; ++i)
    if (std::isfinite(s.v[i])) {
      vmin = std::min(vmin, s.v[i]);
      vmax = std::max(vmax, s.v[i]);
    }
  if (vmin > vmax) {
    vmin = 0;
    vmax = 1;
  }
  if (vmax - vmin < 1e-12) {
    vmin -= 0.5;
    vmax += 0.5;
  }
  auto px = [&](double t) { return a.x + static_cast<float>((t - view_t0_) / span) * w; };
  auto py = [&](double v) {
    return b.y - 4 - static_cast<float>((v - vmin) / (vmax - vmin)) * (height - 18);
  };
  const int columns = std::max(1, static_cast<int>(w));
  std::vector<ImVec2> line;
  line.reserve(static_cast<std::size_t>(columns) * 2);
  int col = -1;
  double cmin = 0, cmax = 0;
  for (std::size_t i = i0; i < i1; ++i) {
    if (!std::isfinite(s.v[i])) continue;
    const int c = static_cast<int>(std::floor((s.t[i] - view_t0_) / span * columns));
    if (c != col) {
      if (col >= 0) {
        line.emplace_back(px(view_t0_ + (col + 0.5) * span / columns), py(cmin));
        if (cmax != cmin) line.emplace_back(px(view_t0_ + (col + 0.5) * span / columns), py(cmax));
      }
      col = c;
      cmin = cmax = s.v[i];
    } else {
      cmin = std::min(cmin, s.v[i]);
      cmax = std::max(cmax, s.v[i]);
    }
  }
  if (col >= 0) line.emplace_back(px(view_t0_ + (col + 0.5) * span / columns), py(cmin));
  dl->PushClipRect(a, b, true);
  if (line.size() >= 2)
    dl->AddPolyline(line.data(), static_cast<int>(line.size()), IM_COL32(120, 200, 255, 255), 0,
                    1.5f);
  const float now_x = std::clamp(px(time_), a.x - 2, b.x + 2);
  dl->AddLine(ImVec2(now_x, a.y), ImVec2(now_x, b.y), IM_COL32(255, 120, 80, 200), 1);
  dl->AddText(
      ImVec2(a.x + 4, a.y + 2), IM_COL32(220, 220, 220, 255),
      fmt::format("{} [{}]  {:.4g} .. {:.4g}   now {:.4g}", s.name, s.unit, vmin, vmax, s.at(time_))
          .c_str());
  dl->PopClipRect();
}

void App::signals_window() {
  const float y = height_ * 0.58f + 92, w = width_ * 0.62f;
  ImGui::SetNextWindowPos(ImVec2(0, y), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(w, height_ - y), ImGuiCond_FirstUseEver);
  ImGui::Begin("Signals");
  ImGui::BeginChild("list", ImVec2(220, 0), true);
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##filter", "search signals", signal_filter_, sizeof signal_filter_);
  visible_signals_.clear();
  for (std::size_t i = 0; i < data_->series.size(); ++i)
    if (!signal_filter_[0] || data_->series[i].name.find(signal_filter_) != std::string::npos)
      visible_signals_.push_back(static_cast<int>(i));
  ImGuiListClipper clip;  // only the rows on screen are built: plants have thousands of signals
  clip.Begin(static_cast<int>(visible_signals_.size()));
  while (clip.Step())
    for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
      const Series& s =
          data_->series[static_cast<std::size_t>(visible_signals_[static_cast<std::size_t>(r)])];
      bool on = std::find(plotted_.begin(), plotted_.end(), s.name) != plotted_.end();
      if (ImGui::Checkbox(s.name.c_str(), &on)) {
        if (on)
          plotted_.push_back(s.name);
        else
          std::erase(plotted_, s.name);
      }
    }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("plots");
  const float ph =
      plotted_.empty()
          ? 0
          : std::max(60.0f,
                     ImGui::GetContentRegionAvail().y / static_cast<float>(plotted_.size()) - 6);
  for (const auto& name : plotted_)
    if (const Series* s = data_->find(name)) plot(*s, ph);
  if (plotted_.empty())
    ImGui::TextDisabled("Tick signals on the left to plot them (wheel: zoom, drag: pan).");
  ImGui::EndChild();
  ImGui::End();
}

void App::kpi_window() {
  ImGui::SetNextWindowPos(ImVec2(width_ * 0.62f, 0), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(width_ * 0.38f, height_ * 0.5f), ImGuiCond_FirstUseEver);
  ImGui::Begin("KPIs");
  if (!data_->cases.empty()) {
    const char* current = data_->cases[static_cast<std::size_t>(data_->selected_case)].c_str();
    if (ImGui::BeginCombo("case", current)) {
      for (std::size_t i = 0; i < data_->cases.size(); ++i)
        if (ImGui::Selectable(data_->cases[i].c_str(), static_cast<int>(i) == data_->selected_case))
          data_->select_case(static_cast<int>(i));
      ImGui::EndCombo();
    }
    const std::string rep = data_->selected_replication < 0
                                ? std::string("summary (mean ± 95% CI)")
                                : fmt::format("replication {}", data_->selected_replication);
    if (ImGui::BeginCombo("replication", rep.c_str())) {
      if (ImGui::Selectable("summary (mean ± 95% CI)", data_->selected_replication < 0))
        data_->select_replication(-1);
      for (int r = 0; r < data_->replications; ++r)
        if (ImGui::Selectable(fmt::format("replication {}", r).c_str(),
                              r == data_->selected_replication))
          data_->select_replication(r);
      ImGui::EndCombo();
    }
  }
  if (std::isfinite(data_->kpi_time))
    ImGui::TextDisabled("%s at t = %s", data_->status() == "live" ? "so far" : "at the end",
                        fmt_time(data_->kpi_time).c_str());
  if (data_->kpis.empty())
    ImGui::TextDisabled(data_->status() == "file" ? "no KPIs in this file"
                                                  : "no KPIs yet (they start after the warm-up)");
  if (ImGui::BeginTable(
          "kpis", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("component");
    ImGui::TableSetupColumn("KPI");
    ImGui::TableSetupColumn("value");
    ImGui::TableSetupColumn("unit");
    ImGui::TableHeadersRow();
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(data_->kpis.size()));
    while (clip.Step())
      for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
        const KpiItem& k = data_->kpis[static_cast<std::size_t>(r)];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k.component.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k.name.c_str());
        ImGui::TableNextColumn();
        if (std::isfinite(k.half_width) && k.half_width > 0)
          ImGui::Text("%.4g ± %.3g", k.value, k.half_width);
        else
          ImGui::Text("%.4g", k.value);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k.unit.c_str());
      }
    ImGui::EndTable();
  }
  ImGui::End();
}

void App::events_window() {
  ImGui::SetNextWindowPos(ImVec2(width_ * 0.62f, height_ * 0.5f), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(width_ * 0.38f, height_ * 0.5f), ImGuiCond_FirstUseEver);
  ImGui::Begin("Events");
  const int active = alarms_active();
  if (ImGui::BeginTabBar("log")) {
    if (ImGui::BeginTabItem("Events")) {
      event_table();
      ImGui::EndTabItem();
    }
    const std::string alarms =
        active > 0 ? fmt::format("Alarms ({} active)###alarms", active) : "Alarms###alarms";
    if (active > 0) ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 110, 90, 255));
    const bool open = ImGui::BeginTabItem(alarms.c_str());
    if (active > 0) ImGui::PopStyleColor();
    if (open) {
      alarm_table();
      ImGui::EndTabItem();
    }
    if (!feeds_.empty() && ImGui::BeginTabItem("Feeds")) {
      feed_table();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void App::alarm_table() {
  if (alarms_.empty()) {
    ImGui::TextDisabled("no alarm raised");
    return;
  }
  if (!ImGui::BeginTable(
          "alarms", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("state");
  ImGui::TableSetupColumn("alarm");
  ImGui::TableSetupColumn("raised");
  ImGui::TableSetupColumn("cleared");
  ImGui::TableSetupColumn("why");
  ImGui::TableHeadersRow();
  // The newest first; those raised after the time shown are left out.
  for (std::size_t k = alarms_.size(); k-- > 0;) {
    const AlarmRow& a = alarms_[k];
    if (a.raised > time_) continue;
    const bool on = !(a.cleared <= time_);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (on)
      ImGui::TextColored(ImVec4(1.0f, 0.43f, 0.35f, 1), "ACTIVE");
    else
      ImGui::TextDisabled("cleared");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(a.component.c_str());
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(k));
    if (ImGui::Selectable(fmt_time(a.raised).c_str(), false)) {
      time_ = a.raised;
      follow_live_ = false;
    }
    ImGui::PopID();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(on ? "-" : fmt_time(a.cleared).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(a.detail.c_str());
  }
  ImGui::EndTable();
}

void App::feed_table() {
  static const char* kCounters[] = {"received", "applied", "rejected",  "malformed", "out_of_range",
                                    "unknown",  "late",    "connected", "lag"};
  constexpr int kColumns = 1 + static_cast<int>(sizeof kCounters / sizeof kCounters[0]);
  if (!ImGui::BeginTable("feeds", kColumns,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY))
    return;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("feed");
  for (const char* c : kCounters) ImGui::TableSetupColumn(c);
  ImGui::TableHeadersRow();
  for (const int i : feeds_) {
    const std::string& name = data_->components[static_cast<std::size_t>(i)].name;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name.c_str());
    for (const char* c : kCounters) {
      ImGui::TableNextColumn();
      const Series* s = data_->find(name + "." + c);
      const double v = s ? s->at(time_) : std::nan("");
      if (!std::isfinite(v))
        ImGui::TextDisabled("-");
      else if (std::string_view(c) == "lag")
        ImGui::Text("%.1f s", v);
      else if (std::string_view(c) == "connected")
        ImGui::TextUnformatted(v > 0 ? "yes" : "no");
      else
        ImGui::Text("%.0f", v);
    }
  }
  ImGui::EndTable();
}

void App::event_table() {
  ImGui::SetNextItemWidth(110);
  ImGui::InputTextWithHint("##comp", "component", event_component_, sizeof event_component_);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::InputTextWithHint("##kind", "kind", event_kind_, sizeof event_kind_);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::DragFloatRange2(
      "##range", &event_from_, &event_to_, widget_float(data_->t1 / 500 - data_->t0 / 500 + 1e-3),
      widget_float(data_->t0), widget_float(data_->t1), "from %.0f s", "to %.0f s");
  if (ImGui::BeginTable("events", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("time");
    ImGui::TableSetupColumn("component");
    ImGui::TableSetupColumn("kind");
    ImGui::TableSetupColumn("detail");
    ImGui::TableHeadersRow();
    visible_events_.clear();
    for (std::size_t i = 0; i < data_->events.size(); ++i) {
      const EventRow& e = data_->events[i];
      if (event_component_[0] && e.component.find(event_component_) == std::string::npos) continue;
      if (event_kind_[0] && e.kind.find(event_kind_) == std::string::npos) continue;
      if (e.time < event_from_ || (event_to_ > event_from_ && e.time > event_to_)) continue;
      visible_events_.push_back(static_cast<int>(i));
    }
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(visible_events_.size()));
    while (clip.Step())
      for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
        const std::size_t i =
            static_cast<std::size_t>(visible_events_[static_cast<std::size_t>(r)]);
        const EventRow& e = data_->events[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::Selectable(fmt_time(e.time).c_str(), std::abs(e.time - time_) < 1e-9,
                              ImGuiSelectableFlags_SpanAllColumns)) {
          time_ = e.time;  // clicking an event jumps the timeline there
          follow_live_ = false;
        }
        ImGui::PopID();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.component.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.kind.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.detail.c_str());
      }
    ImGui::EndTable();
  }
}

}  // namespace plantwin::viewer
