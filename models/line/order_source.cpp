#include "order_source.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plantwin/models/flow.h"
#include "plantwin/sim.h"
#include "plantwin/text_file.h"
#include "plantwin/units.h"

namespace plantwin::line {
namespace {

struct Order {
  int type = 0;
  std::int64_t quantity = 0;
  double release = 0, due = 0;
};

struct OrderSourceState : ClonableState<OrderSourceState> {
  std::size_t released = 0;           // orders released (a prefix of the schedule)
  int current = -1;                   // the order being fed, -1 none
  int last_type = -1;                 // the product fed last (campaign sequencing)
  std::vector<std::int64_t> to_feed;  // per order, parts not yet fed
  std::int64_t fed_total = 0;
};

class OrderSource final : public Component {
 public:
  OrderSource(std::string name, Flow flow, std::vector<Order> orders, int offset, bool campaign)
      : Component(std::move(name), "order_source"),
        flow_(flow),
        orders_(std::move(orders)),
        offset_(offset),
        campaign_(campaign) {}

  std::unique_ptr<ComponentState> make_state(const StreamSeed&) const override {
    auto s = std::make_unique<OrderSourceState>();
    for (const Order& o : orders_) s->to_feed.push_back(o.quantity);
    return s;
  }

  void start(Sim& sim) const override {
    FlowState& f = flow_.state(sim);
    if (f.orders.size() < static_cast<std::size_t>(offset_) + orders_.size())
      f.orders.resize(static_cast<std::size_t>(offset_) + orders_.size());
    for (std::size_t i = 0; i < orders_.size(); ++i) {
      OrderProgress& p = f.orders[static_cast<std::size_t>(offset_) + i];
      p = OrderProgress{};
      p.left = orders_[i].quantity;
    }
    if (!orders_.empty()) sim.schedule_at(std::max(sim.now(), orders_[0].release), *this, 0);
  }

  void on_event(Sim& sim, int, std::int64_t) const override {
    auto& s = sim.state_of<OrderSourceState>(*this);
    while (s.released < orders_.size() && orders_[s.released].release <= sim.now()) ++s.released;
    if (s.released < orders_.size()) sim.schedule_at(orders_[s.released].release, *this, 0);
    feed(sim, s);
  }

  void on_space(Sim& sim, int) const override { feed(sim, sim.state_of<OrderSourceState>(*this)); }

  std::vector<SignalSpec> signals() const override {
    return {{"released", "parts", "parts of orders that entered the plant"},
            {"orders_completed", "orders", "orders whose parts have all left the plant"},
            {"orders_late", "orders", "orders completed after their due date"}};
  }
  double signal(const Sim& sim, int index) const override {
    if (index == 0) return static_cast<double>(sim.state_of<OrderSourceState>(*this).fed_total);
    const FlowState& f = flow_.state(sim);
    int done = 0, late = 0;
    for (std::size_t i = 0; i < orders_.size() && offset_ + i < f.orders.size(); ++i) {
      const double c = f.orders[static_cast<std::size_t>(offset_) + i].done;
      if (std::isnan(c)) continue;
      ++done;
      if (c > orders_[i].due) ++late;
    }
    return index == 1 ? done : late;
  }

  void report(const Sim& sim, std::vector<KpiRow>& rows) const override {
    const FlowState& f = flow_.state(sim);
    const double nan = std::nan("");
    const double now = sim.now();
    int done = 0, late = 0, on_time = 0, due_or_done = 0;
    double tardiness = 0, lead = 0, last = -HUGE_VAL, first = HUGE_VAL;
    std::int64_t scrapped = 0;
    for (std::size_t i = 0; i < orders_.size(); ++i) {
      const Order& o = orders_[i];
      const OrderProgress& p = f.orders[static_cast<std::size_t>(offset_) + i];
      first = std::min(first, o.release);
      scrapped += p.scrapped;
      if (std::isnan(p.done)) {
        if (now > o.due) {
          ++late;
          ++due_or_done;
        }
        continue;
      }
      ++done;
      ++due_or_done;
      last = std::max(last, p.done);
      tardiness += std::max(0.0, p.done - o.due);
      lead += p.done - o.release;
      if (p.done > o.due)
        ++late;
      else
        ++on_time;
    }
    const auto n = static_cast<double>(orders_.size());
    rows.push_back({name(), "orders", n, nan, "orders"});
    rows.push_back({name(), "orders_completed", static_cast<double>(done), nan, "orders"});
    rows.push_back({name(), "orders_late", static_cast<double>(late), nan, "orders"});
    rows.push_back({name(), "mean_tardiness", done ? tardiness / done : nan, nan, "s"});
    rows.push_back({name(), "makespan",
                    done == static_cast<int>(orders_.size()) && done > 0 ? last - first : nan, nan,
                    "s"});
    rows.push_back({name(), "schedule_adherence",
                    due_or_done ? static_cast<double>(on_time) / due_or_done : nan, nan, "share"});
    rows.push_back({name(), "order_lead_time", done ? lead / done : nan, nan, "s"});
    rows.push_back({name(), "released",
                    static_cast<double>(sim.state_of<OrderSourceState>(*this).fed_total), nan,
                    "parts"});
    rows.push_back({name(), "scrapped", static_cast<double>(scrapped), nan, "parts"});
  }

 private:
  // The next order to feed among the released ones, or -1.
  int pick(const OrderSourceState& s) const {
    int first = -1;
    for (std::size_t i = 0; i < s.released; ++i) {
      if (s.to_feed[i] == 0) continue;
      if (first < 0) first = static_cast<int>(i);
      if (!campaign_ || orders_[i].type == s.last_type) return static_cast<int>(i);
    }
    return first;
  }
  void feed(Sim& sim, OrderSourceState& s) const {
    // The next order is chosen when its first part can go, not before: an order released
    // meanwhile may join the campaign.
    while (sim.can_push(*this, 0)) {
      if (s.current < 0 || s.to_feed[static_cast<std::size_t>(s.current)] == 0) {
        s.current = pick(s);
        if (s.current < 0) return;
      }
      const auto i = static_cast<std::size_t>(s.current);
      const PartId p = flow_.create(sim, orders_[i].type);
      flow_.part(sim, p).order = offset_ + s.current;
      --s.to_feed[i];
      ++s.fed_total;
      s.last_type = orders_[i].type;
      sim.try_push(*this, 0, p);
    }
  }

  Flow flow_;
  std::vector<Order> orders_;  // sorted by release (stable)
  int offset_;                 // index of the first order in FlowState::orders
  bool campaign_;
};

// One order from its fields as text; errors go to `fail` (a sentence).
bool parse_order(BuildContext& ctx, const std::string& product, const std::string& quantity,
                 const std::string& release, const std::string& due, Order& o,
                 const std::function<void(const std::string&)>& fail) {
  const int t = part_type_index(ctx, product);
  if (t < 0) {
    const auto& types = part_types(ctx);
    const std::string hint = closest_match(product, types);
    fail(fmt::format("product \"{}\" is not a part type ({}){}", product,
                     types.empty()
                         ? std::string("the plant declares none: add a products component")
                         : "types: " + fmt::format("{}", fmt::join(types, ", ")),
                     hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
    return false;
  }
  o.type = t;
  double q = 0;
  if (!textfile::number(quantity, &q) || q < 1 || q != std::floor(q) || q > 1e9) {
    fail(fmt::format("quantity: expected a whole number of parts from 1, got \"{}\"", quantity));
    return false;
  }
  o.quantity = static_cast<std::int64_t>(q);
  std::string why;
  const auto r = parse_quantity(release, Dimension::kTime, &why);
  if (!r || *r < 0 || !std::isfinite(*r)) {
    fail(fmt::format("release: expected a time from 0 (e.g. \"2 h\"), got \"{}\"{}", release,
                     why.empty() ? "" : " (" + why + ")"));
    return false;
  }
  why.clear();
  const auto d = parse_quantity(due, Dimension::kTime, &why);
  if (!d || !std::isfinite(*d)) {
    fail(fmt::format("due: expected a time (e.g. \"8 h\"), got \"{}\"{}", due,
                     why.empty() ? "" : " (" + why + ")"));
    return false;
  }
  if (*d < *r) {
    fail(fmt::format("due ({}) is before release ({})", format_duration(*d), format_duration(*r)));
    return false;
  }
  o.release = *r;
  o.due = *d;
  return true;
}

std::unique_ptr<Component> build(BuildContext& ctx) {
  ParamReader& p = ctx.params();
  ctx.require_ports(0, 0, 1, 1);
  const std::size_t errors_before = p.diagnostics().size();
  const bool campaign = p.choice("sequence", {"fifo", "campaign"}, "fifo") == "campaign";
  const Node* inline_orders = p.raw("orders");
  const bool has_file = p.has("file");
  std::vector<Order> orders;
  if (inline_orders && has_file) {
    p.allow("file");
    p.error("file", "give either orders or file, not both");
  } else if (inline_orders) {
    if (!inline_orders->is_seq() || inline_orders->items.empty()) {
      p.error("orders", fmt::format("expected a list of orders such as [{{product: A, quantity: "
                                    "10, release: 0 h, due: 4 h}}], got {}",
                                    inline_orders->kind_phrase()));
    } else {
      for (std::size_t i = 0; i < inline_orders->items.size(); ++i) {
        const Node& item = inline_orders->items[i];
        const std::string path = fmt::format("{}[{}]", p.key_path("orders"), i);
        if (!item.is_map()) {
          p.diagnostics().error(item.location, path,
                                fmt::format("expected {{product, quantity, release, due}}, got {}",
                                            item.kind_phrase()));
          continue;
        }
        ParamReader r(item, path, p.diagnostics(), p.base_dir());
        std::string fields[4];
        const char* keys[4] = {"product", "quantity", "release", "due"};
        bool ok = true;
        for (int k = 0; k < 4; ++k) {
          const Node* n = r.raw(keys[k]);
          if (!n || !n->is_scalar()) {
            r.error(keys[k], n ? fmt::format("expected a value, got {}", n->kind_phrase())
                               : std::string("is required"));
            ok = false;
          } else {
            fields[k] = n->scalar;
          }
        }
        r.finish();
        if (!ok) continue;
        Order o;
        const SourceLocation at = item.location;
        if (parse_order(ctx, fields[0], fields[1], fields[2], fields[3], o,
                        [&](const std::string& msg) { p.diagnostics().error(at, path, msg); }))
          orders.push_back(o);
      }
    }
  } else if (has_file) {
    const std::string file = p.text("file", std::nullopt);
    std::filesystem::path path(file);
    if (path.is_relative()) path = std::filesystem::path(p.base_dir()) / path;
    std::string why;
    const auto text = textfile::read_text_file(path.string(), textfile::kMaxDataFileBytes,
                                               "a production schedule (CSV)", &why);
    if (!text) {
      p.error("file", fmt::format("cannot read {}: {}", file, why));
    } else {
      textfile::for_each_csv_row(*text, [&](const textfile::CsvRow& row) {
        const auto fail = [&](const std::string& msg) {
          p.error("file", fmt::format("{}:{}: {}", file, row.line, msg));
        };
        double dummy = 0;
        if (row.first && row.cells.size() == 4 && !textfile::number(row.cells[1], &dummy)) {
          if (row.cells[0] != "product" || row.cells[1] != "quantity" ||
              row.cells[2] != "release" || row.cells[3] != "due")
            fail("expected the header \"product,quantity,release,due\"");
          return true;
        }
        if (row.cells.size() != 4) {
          fail(fmt::format("expected 4 cells (product,quantity,release,due), got {}",
                           row.cells.size()));
          return true;
        }
        Order o;
        if (parse_order(ctx, std::string(row.cells[0]), std::string(row.cells[1]),
                        std::string(row.cells[2]), std::string(row.cells[3]), o, fail))
          orders.push_back(o);
        return p.diagnostics().size() < errors_before + 20;  // a wrong file: the first 20
      });
      if (orders.empty() && p.diagnostics().size() == errors_before)
        p.error("file", fmt::format("{}: the schedule has no orders", file));
    }
  } else {
    p.error("orders", "is required: a list of {product, quantity, release, due} (or give file)");
  }
  if (p.diagnostics().size() != errors_before) return nullptr;
  std::stable_sort(orders.begin(), orders.end(),
                   [](const Order& a, const Order& b) { return a.release < b.release; });
  int& count = ctx.shared<int>("line.orders", [] { return 0; });
  const int offset = count;
  count += static_cast<int>(orders.size());
  return std::make_unique<OrderSource>(ctx.name(), Flow::join(ctx), std::move(orders), offset,
                                       campaign);
}

}  // namespace

void register_order_source(Registry& registry) {
  registry.add("order_source", "parts enter as a production schedule releases its orders", build);
}

}  // namespace plantwin::line
