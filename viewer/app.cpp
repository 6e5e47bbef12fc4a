#include "app.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <imgui.h>

#include "format.h"

namespace plantwin::viewer {
namespace {

// The left column's windows: the plant, the timeline with its Gantt chart, the signals.
constexpr float kPlantShare = 0.54f, kTimelineShare = 0.24f;

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

}  // namespace

Rgb state_colour(double state) {
  if (!std::isfinite(state) || state < 0 || state > 5 || state != std::floor(state))
    return kUnknown;
  return kStateColours[static_cast<int>(state)];
}

const char* state_name(double state) {
  if (!std::isfinite(state) || state < 0 || state > 5 || state != std::floor(state))
    return "unknown";
  return kStateNames[static_cast<int>(state)];
}

App::App(std::unique_ptr<DataSource> data) : data_(std::move(data)) {
  if (!data_->cases.empty()) {
    comparison_ = compare_cases(data_->cases, data_->case_summaries, data_->case_replications);
    sweep_ = find_sweep(data_->case_overrides);
    if (!set_chart_kpi("line.throughput")) chart_kpi_ = 0;
  }
  reindex();
}

void App::open_run(int case_index, int replication) {
  data_->open_run(case_index, replication);
  reindex();
}

void App::reindex() {
  generation_ = data_->generation;
  // Everything derived from the components, signals and events, from scratch.
  state_series_.clear();
  level_series_.clear();
  count_series_.clear();
  temperature_series_.clear();
  busy_series_.clear();
  wear_series_.clear();
  vibration_series_.clear();
  power_series_.clear();
  alarm_series_.clear();
  feeds_.clear();
  gantt_components_.clear();
  gantt_row_of_.clear();
  marks_seen_ = 0;
  alarms_.clear();
  alarm_events_seen_ = 0;
  plotted_.clear();
  selected_component_ = -1;
  kpi_sorted_for_.clear();
  fit_pending_ = true;
  placement_ = layout(*data_);
  index_series();
  time_ = data_->t0;
  view_t0_ = data_->t0;
  view_t1_ = data_->t1 > data_->t0 ? data_->t1 : data_->t0 + 1;
  event_to_ = widget_float(data_->t1);
  // Start with what engineers look at first: temperatures where the plant has them, then
  // wear, then the buffers' levels.
  for (const char* suffix : {".temperature", ".wear", ".level"})
    for (const auto& s : data_->series) {
      const std::string_view n = s.name, x = suffix;
      if (plotted_.size() < 3 && n.size() > x.size() && n.substr(n.size() - x.size()) == x)
        plotted_.push_back(s.name);
    }
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
    busy_series_.push_back(lookup(c.name + ".busy"));
    wear_series_.push_back(lookup(c.name + ".wear"));
    vibration_series_.push_back(lookup(c.name + ".vibration"));
    power_series_.push_back(lookup(c.name + ".power"));
    alarm_series_.push_back(lookup(c.name + ".alarm"));
  }
  // The Gantt chart: every component with a recorded state, in the diagram's order.
  for (std::size_t i = 0; i < data_->components.size(); ++i)
    if (state_series_[i] >= 0) {
      gantt_row_of_[data_->components[i].name] = static_cast<int>(gantt_components_.size());
      gantt_components_.push_back(static_cast<int>(i));
    }
  gantt_marks_.assign(gantt_components_.size(), {});
  own_series_.assign(data_->components.size(), {});
  for (std::size_t i = 0; i < data_->series.size(); ++i) {
    const std::string& n = data_->series[i].name;
    const auto dot = n.rfind('.');
    if (dot == std::string::npos) continue;
    const int c = data_->component_index(n.substr(0, dot));
    if (c >= 0) own_series_[static_cast<std::size_t>(c)].push_back(static_cast<int>(i));
  }
  // Servers of a machine: its capacity where the source gives one, else the most ever busy
  // at once in what was recorded (a live source learns it as the run goes on).
  servers_.assign(data_->components.size(), 1);
  for (std::size_t i = 0; i < data_->components.size(); ++i) {
    const double cap = data_->components[i].capacity;
    if (data_->components[i].type != "machine") continue;
    if (std::isfinite(cap) && cap >= 1) {
      servers_[i] = static_cast<int>(std::min(cap, 64.0));
    } else if (busy_series_[i] >= 0) {
      double most = 1;
      for (const double v : data_->series[static_cast<std::size_t>(busy_series_[i])].v)
        if (std::isfinite(v)) most = std::max(most, v);
      servers_[i] = static_cast<int>(std::min(most, 64.0));
    }
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
    // Alarm components' events, and a thermal body's over its alarm limit.
    if (e.kind == "alarm" || e.kind == "over_temperature") {
      alarms_.push_back({e.component, e.detail, e.time});
    } else if (e.kind == "cleared" || e.kind == "temperature_normal") {
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
  if (generation_ != data_->generation) reindex();  // a recorded run opened or closed
  if (data_->refresh()) {  // a live source received data (perhaps its last: status ended)
    if (follow_live_) time_ = data_->t1;
    view_t1_ = std::max(view_t1_, data_->t1);
    event_to_ = widget_float(data_->t1);
    // A live source learns a machine's servers as the run goes on: the most ever busy.
    for (std::size_t i = 0; i < servers_.size(); ++i)
      if (busy_series_[i] >= 0 && !(std::isfinite(data_->components[i].capacity))) {
        const Series& b = data_->series[static_cast<std::size_t>(busy_series_[i])];
        if (!b.v.empty() && std::isfinite(b.v.back()))
          servers_[i] = std::max(servers_[i], static_cast<int>(std::min(b.v.back(), 64.0)));
      }
  }
  index_alarms();
  if (marks_seen_ > data_->events.size()) {  // a live source dropped its oldest events
    marks_seen_ = 0;
    for (auto& m : gantt_marks_) m.clear();
  }
  index_marks();
  if (playing_) {
    time_ += speed_ * dt;
    if (time_ >= data_->t1) {
      time_ = data_->t1;
      playing_ = false;
    }
  }
  if (data_->cases.empty() || data_->run_case >= 0)
    plant_window();
  else
    compare_window();
  if (data_->cases.empty() || !data_->series.empty()) {
    timeline_window();
    signals_window();
  }
  kpi_window();
  events_window();
}

void App::plant_window() {
  const float w = width_ * 0.62f, h = height_ * kPlantShare;
  ImGui::SetNextWindowPos(ImVec2(0, 0), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_FirstUseEver);
  ImGui::Begin("Plant");
  if (data_->run_case >= 0) {
    // An experiment's recorded run: the way back to the comparison of its cases.
    if (ImGui::SmallButton("back to the comparison")) {
      data_->close_run();
      reindex();
      ImGui::End();
      return;
    }
    ImGui::SameLine();
  }
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
  // Legend: every state, and what fills buffers and belts.
  for (int i = 0; i < 7; ++i) {
    if (i > 0) ImGui::SameLine(0, 10);
    const Rgb c = kStateColours[i];
    ImGui::ColorButton(kStateNames[i], ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 1),
                       ImGuiColorEditFlags_NoTooltip, ImVec2(12, 12));
    ImGui::SameLine(0, 4);
    ImGui::TextUnformatted(kStateNames[i]);
  }
  ImGui::SameLine(0, 10);
  ImGui::ColorButton("parts",
                     ImVec4(kBufferFill.r / 255.f, kBufferFill.g / 255.f, kBufferFill.b / 255.f, 1),
                     ImGuiColorEditFlags_NoTooltip, ImVec2(12, 12));
  ImGui::SameLine(0, 4);
  ImGui::TextUnformatted("parts");
  ImGui::SameLine(0, 16);
  if (ImGui::SmallButton("fit")) fit_pending_ = true;
  ImGui::SameLine();
  ImGui::TextDisabled("%.0f%%", zoom_ * 100);

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail(std::max(ImGui::GetContentRegionAvail().x, 10.0f),
                     std::max(ImGui::GetContentRegionAvail().y, 10.0f));
  ImGui::InvisibleButton("diagram", avail,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  const Rect& bounds = placement_.bounds;
  if (fit_pending_) {
    // The whole plant in view, centred, never magnified beyond 1.5.
    const float bw = std::max(bounds.x1 - bounds.x0, 1.0f),
                bh = std::max(bounds.y1 - bounds.y0, 1.0f);
    zoom_ = std::min({(avail.x - 16) / bw, (avail.y - 16) / bh, 1.5f});
    zoom_ = std::max(zoom_, 1e-4f);
    view_origin_ = {bounds.x0 - (avail.x / zoom_ - bw) / 2, bounds.y0 - (avail.y / zoom_ - bh) / 2};
    fit_pending_ = false;
  }
  ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0) {
    // Zoom around the cursor: the world point under it stays under it.
    const Point at{view_origin_.x + (io.MousePos.x - origin.x) / zoom_,
                   view_origin_.y + (io.MousePos.y - origin.y) / zoom_};
    zoom_ = std::clamp(zoom_ * (io.MouseWheel > 0 ? 1.2f : 1 / 1.2f), 1e-4f, 8.0f);
    view_origin_ = {at.x - (io.MousePos.x - origin.x) / zoom_,
                    at.y - (io.MousePos.y - origin.y) / zoom_};
  }
  if (ImGui::IsItemActive() && (ImGui::IsMouseDragging(ImGuiMouseButton_Left) ||
                                ImGui::IsMouseDragging(ImGuiMouseButton_Right))) {
    view_origin_.x -= io.MouseDelta.x / zoom_;
    view_origin_.y -= io.MouseDelta.y / zoom_;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) fit_pending_ = true;
  auto to_screen = [&](Point p) {
    return ImVec2(origin.x + (p.x - view_origin_.x) * zoom_,
                  origin.y + (p.y - view_origin_.y) * zoom_);
  };
  auto rect_to_screen = [&](const Rect& r) {
    const ImVec2 a = to_screen({r.x0, r.y0}), b = to_screen({r.x1, r.y1});
    return Rect{a.x, a.y, b.x, b.y};
  };

  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(origin, ImVec2(origin.x + avail.x, origin.y + avail.y), true);
  const Rect clip{origin.x, origin.y, origin.x + avail.x, origin.y + avail.y};
  // Links under the boxes, as orthogonal routes ending in an arrowhead.
  const ImU32 link_col = IM_COL32(150, 155, 165, 255);
  const float thickness = std::clamp(1.5f * zoom_, 1.0f, 2.5f);
  std::vector<ImVec2> pts;
  for (const auto& route : placement_.routes) {
    if (route.size() < 2) continue;
    pts.clear();
    for (const Point& p : route) pts.push_back(to_screen(p));
    dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), link_col, 0, thickness);
    const float ah = 7 * std::min(zoom_, 1.2f);
    if (ah < 2.5f) continue;
    const ImVec2 e = pts.back();
    dl->AddTriangleFilled(e, ImVec2(e.x - ah, e.y - ah * 0.55f), ImVec2(e.x - ah, e.y + ah * 0.55f),
                          link_col);
  }
  // A sensor or crew next to what it observes or serves: a thin tether between the boxes.
  for (std::size_t i = 0; i < placement_.nodes.size(); ++i) {
    const int t = placement_.nodes[i].next_to;
    if (t < 0) continue;
    const Rect a = rect_to_screen(placement_.nodes[i].box),
               b = rect_to_screen(placement_.nodes[static_cast<std::size_t>(t)].box);
    // Above or below: a vertical line near the boxes' left sides, clear of the names and
    // values centred over and under them; beside or diagonal: between the facing sides.
    const float inset = 6 * std::min(zoom_, 1.5f);
    ImVec2 pa, pb;
    if (std::abs(a.x0 - b.x0) < 1) {
      const bool above = a.y1 <= b.y0;
      pa = ImVec2(a.x0 + inset, above ? a.y1 : a.y0);
      pb = ImVec2(b.x0 + inset, above ? b.y0 : b.y1);
    } else {
      const bool left = a.x1 <= b.x0;
      pa = ImVec2(left ? a.x1 : a.x0, (a.y0 + a.y1) / 2);
      pb = ImVec2(left ? b.x0 : b.x1, (b.y0 + b.y1) / 2);
    }
    dl->AddLine(pa, pb, rgb(kTether), std::max(2.0f, thickness));
  }
  // Components, then their labels (full names, wrapped; elided ones whole on hover).
  boxes_.clear();
  wear_bars_.clear();
  ImFont* label_font = diagram_font_ ? diagram_font_ : ImGui::GetFont();
  const float font = placement_.metrics.line_h * zoom_;
  const bool labels = font >= 6.5f;
  int hovered_component = -1;
  for (std::size_t i = 0; i < data_->components.size(); ++i) {
    const NodePlace& node = placement_.nodes[i];
    const Rect box = rect_to_screen(node.box), label = rect_to_screen(node.label_box);
    boxes_.push_back(
        {data_->components[i].name, data_->components[i].type, box.x0, box.y0, box.x1, box.y1,
         label,
         node.next_to < 0 ? "" : data_->components[static_cast<std::size_t>(node.next_to)].name});
    if (!box.overlaps(clip) && !label.overlaps(clip)) continue;
    draw_component(i, box, zoom_);
    if (labels) {
      const ImU32 text_col = IM_COL32(230, 230, 230, 255);
      for (std::size_t k = 0; k < node.label.size(); ++k) {
        const float lw =
            static_cast<float>(node.label[k].size()) * placement_.metrics.char_w * zoom_;
        dl->AddText(label_font, font,
                    ImVec2((box.x0 + box.x1) / 2 - lw / 2,
                           label.y0 + static_cast<float>(k) * placement_.metrics.line_h * zoom_),
                    text_col, node.label[k].c_str());
      }
    }
    if (hovered && (box.contains({io.MousePos.x, io.MousePos.y}) ||
                    label.contains({io.MousePos.x, io.MousePos.y})))
      hovered_component = static_cast<int>(i);
  }
  if (selected_component_ >= 0 && static_cast<std::size_t>(selected_component_) < boxes_.size()) {
    const DrawnBox& b = boxes_[static_cast<std::size_t>(selected_component_)];
    dl->AddRect(ImVec2(b.x0 - 3, b.y0 - 3), ImVec2(b.x1 + 3, b.y1 + 3),
                IM_COL32(255, 255, 255, 255), 3, 0, 2);
  }
  dl->PopClipRect();
  if (hovered_component >= 0) component_tooltip(static_cast<std::size_t>(hovered_component));
  // A click (not a drag) selects a component, or clears the selection on empty ground.
  if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
      io.MouseDragMaxDistanceSqr[0] < 16)
    select_component(hovered_component);
  ImGui::End();
}

void App::compare_window() {
  ImGui::SetNextWindowPos(ImVec2(0, 0), ImGuiCond_FirstUseEver);
  // Without recorded signals there is no timeline to show: the comparison takes the column.
  ImGui::SetNextWindowSize(
      ImVec2(width_ * 0.62f, data_->series.empty() ? height_ : height_ * kPlantShare),
      ImGuiCond_FirstUseEver);
  ImGui::Begin("Compare cases");
  bars_.clear();
  const Comparison& cmp = comparison_;
  const std::size_t nc = cmp.cases.size();
  const std::string& base = cmp.cases[static_cast<std::size_t>(cmp.base)];
  ImGui::Text("%s: %zu cases, %d replications of each", data_->title.c_str(), nc,
              data_->replications);
  run_picker();
  drawn_sweep_ = {};
  if (sweep_) {
    // A sweep over one or two keys: its chart for one KPI at a time, or the bars on request.
    ImGui::SameLine(0, 16);
    ImGui::Checkbox("as bars", &sweep_as_bars_);
  }
  if (sweep_ && !sweep_as_bars_ && !cmp.kpis.empty()) {
    chart_kpi_ = std::clamp(chart_kpi_, 0, static_cast<int>(cmp.kpis.size()) - 1);
    const ComparedKpi& row = cmp.kpis[static_cast<std::size_t>(chart_kpi_)];
    ImGui::SetNextItemWidth(260);
    if (ImGui::BeginCombo("KPI", (row.component + "." + row.name).c_str())) {
      for (std::size_t k = 0; k < cmp.kpis.size(); ++k)
        if (ImGui::Selectable((cmp.kpis[k].component + "." + cmp.kpis[k].name).c_str(),
                              static_cast<int>(k) == chart_kpi_))
          chart_kpi_ = static_cast<int>(k);
      ImGui::EndCombo();
    }
    ImGui::SameLine(0, 12);
    ImGui::TextDisabled(sweep_->axes.size() == 1
                            ? "mean over the replications, band and bars: 95%% interval"
                            : "cell colour: mean over the replications (hover for its interval)");
    if (sweep_->axes.size() == 1)
      sweep_line_chart(row);
    else
      sweep_heatmap(row);
    ImGui::End();
    return;
  }
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
  ImGui::TextWrapped(
      "bars: mean and 95%% interval; difference: paired against \"%s\" over the same "
      "replications, orange where its interval excludes zero",
      base.c_str());
  ImGui::PopStyleColor();
  ImGui::SetNextItemWidth(220);
  ImGui::InputTextWithHint("##kpifilter", "filter KPIs (e.g. line. or throughput)", compare_filter_,
                           sizeof compare_filter_);
  ImGui::SameLine();
  ImGui::Checkbox("only those that differ", &only_different_);
  compare_rows_.clear();
  for (std::size_t k = 0; k < cmp.kpis.size(); ++k) {
    const ComparedKpi& row = cmp.kpis[k];
    const std::string full = row.component + "." + row.name;
    if (compare_filter_[0] && full.find(compare_filter_) == std::string::npos) continue;
    if (only_different_ && std::none_of(row.vs_base.begin(), row.vs_base.end(),
                                        [](const Interval& d) { return d.excludes_zero(); }))
      continue;
    compare_rows_.push_back(static_cast<int>(k));
  }
  constexpr float kBarH = 14, kBarGap = 4, kTitle = 20, kBlockGap = 8;
  const float block_h = kTitle + static_cast<float>(nc) * (kBarH + kBarGap) + kBlockGap;
  ImGui::BeginChild("bars");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float avail = ImGui::GetContentRegionAvail().x;
  const float name_w = std::min(120.0f, avail * 0.2f), text_w = std::min(300.0f, avail * 0.42f);
  const float bar_w = std::max(avail - name_w - text_w - 16, 40.0f);
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(compare_rows_.size()), block_h);
  while (clip.Step())
    for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
      const ComparedKpi& row =
          cmp.kpis[static_cast<std::size_t>(compare_rows_[static_cast<std::size_t>(r)])];
      const ImVec2 top = ImGui::GetCursorScreenPos();
      ImGui::Dummy(ImVec2(avail, block_h));
      const std::string title = fmt::format("{}.{}", row.component, row.name);
      dl->AddText(ImVec2(top.x, top.y + 2), IM_COL32(235, 235, 235, 255), title.c_str());
      if (!row.unit.empty())
        dl->AddText(ImVec2(top.x + ImGui::CalcTextSize(title.c_str()).x + 8, top.y + 2),
                    IM_COL32(150, 150, 160, 255),
                    fmt::format("[{}]", shown_unit(row.unit)).c_str());
      // One scale per KPI, from zero (or the lowest interval end) to the highest.
      double lo = 0, hi = 0;
      for (const Interval& v : row.per_case) {
        if (!std::isfinite(v.mean)) continue;
        const double h = std::isfinite(v.half_width) ? v.half_width : 0;
        lo = std::min(lo, v.mean - h);
        hi = std::max(hi, v.mean + h);
      }
      if (!(hi > lo)) hi = lo + 1;
      const float bx = top.x + name_w + 4;
      auto x_of = [&](double v) { return bx + static_cast<float>((v - lo) / (hi - lo)) * bar_w; };
      for (std::size_t c = 0; c < nc; ++c) {
        const float y0 = top.y + kTitle + static_cast<float>(c) * (kBarH + kBarGap),
                    y1 = y0 + kBarH;
        dl->AddText(ImVec2(top.x + 8, y0), IM_COL32(200, 200, 200, 255), cmp.cases[c].c_str());
        const Interval& v = row.per_case[c];
        if (!std::isfinite(v.mean)) continue;
        const Interval& d = row.vs_base[c];
        const bool different = d.excludes_zero();
        const ImU32 fill = static_cast<int>(c) == cmp.base ? IM_COL32(125, 135, 155, 255)
                           : different                     ? rgb(kDifferent)
                                                           : rgb(kCaseBar);
        const float x0 = std::min(x_of(0), x_of(v.mean)), x1 = std::max(x_of(0), x_of(v.mean));
        dl->AddRectFilled(ImVec2(x0, y0), ImVec2(std::max(x1, x0 + 1), y1), fill);
        float wlo = x_of(v.mean), whi = wlo;
        const float ym = (y0 + y1) / 2;
        if (std::isfinite(v.half_width) && v.half_width > 0) {
          wlo = x_of(v.mean - v.half_width);
          whi = x_of(v.mean + v.half_width);
          const ImU32 w = rgb(kWhisker);
          dl->AddLine(ImVec2(wlo, ym), ImVec2(whi, ym), w, 2);
          dl->AddLine(ImVec2(wlo, y0 + 2), ImVec2(wlo, y1 - 2), w, 2);
          dl->AddLine(ImVec2(whi, y0 + 2), ImVec2(whi, y1 - 2), w, 2);
        }
        bars_.push_back(
            {title, cmp.cases[c], x0, y0, x1, y1, wlo, whi, ym, v.mean, v.half_width, different});
        const float tx = bx + bar_w + 12;
        std::string text = format_kpi(v.mean, v.half_width, row.unit);
        dl->AddText(ImVec2(tx, y0), IM_COL32(220, 220, 220, 255), text.c_str());
        if (static_cast<int>(c) != cmp.base && std::isfinite(d.mean)) {
          const std::string delta = format_difference(d.mean, d.half_width, row.unit);
          const float dx = tx + std::max(ImGui::CalcTextSize(text.c_str()).x + 10, text_w * 0.48f);
          dl->AddText(ImVec2(dx, y0), different ? rgb(kDifferent) : IM_COL32(140, 140, 150, 255),
                      delta.c_str());
        }
      }
    }
  if (compare_rows_.empty()) ImGui::TextDisabled("no KPI matches");
  ImGui::EndChild();
  ImGui::End();
}

std::string App::open_on_click(std::size_t c) {
  if (c >= data_->case_runs.size() || data_->case_runs[c].empty()) return "";
  const int r = data_->case_runs[c].front();
  if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    try {
      open_run(static_cast<int>(c), r);
    } catch (const std::exception& e) {
      run_error_ = e.what();
    }
  }
  return fmt::format("\nclick: its recorded run (replication {})", r);
}

void App::run_picker() {
  std::vector<std::pair<int, int>> runs;
  for (std::size_t c = 0; c < data_->case_runs.size(); ++c)
    for (const int r : data_->case_runs[c]) runs.emplace_back(static_cast<int>(c), r);
  if (runs.empty()) {
    ImGui::TextDisabled("no runs recorded (plantwin sweep --record-signals keeps their plant)");
    return;
  }
  ImGui::SetNextItemWidth(320);
  if (ImGui::BeginCombo("##run", "open a recorded run: its plant and timeline")) {
    for (const auto& [c, r] : runs)
      if (ImGui::Selectable(
              fmt::format("{}, replication {}", data_->cases[static_cast<std::size_t>(c)], r)
                  .c_str())) {
        try {
          open_run(c, r);
        } catch (const std::exception& e) {
          run_error_ = e.what();
        }
      }
    ImGui::EndCombo();
  }
  if (!run_error_.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", run_error_.c_str());
}

bool App::set_chart_kpi(const std::string& kpi) {
  for (std::size_t k = 0; k < comparison_.kpis.size(); ++k)
    if (comparison_.kpis[k].component + "." + comparison_.kpis[k].name == kpi) {
      chart_kpi_ = static_cast<int>(k);
      return true;
    }
  return false;
}

namespace {

/// About `want` round steps (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int want) {
  std::vector<double> out;
  if (!(hi > lo) || !std::isfinite(hi - lo)) return out;
  const double raw = (hi - lo) / want, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5   ? mag
                      : raw / mag < 3.5 ? 2 * mag
                      : raw / mag < 7.5 ? 5 * mag
                                        : 10 * mag;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9 && out.size() < 50; v += step)
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return out;
}

/// The plot area of a chart in the rest of the window: room on the left for the value axis'
/// labels, above for a title, below for the swept key's labels, on the right for a legend.
Rect chart_area(float left, float top_room, float right) {
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const ImVec2 avail(std::max(ImGui::GetContentRegionAvail().x, left + right + 60),
                     std::max(ImGui::GetContentRegionAvail().y, top_room + 100));
  ImGui::Dummy(avail);
  return {top.x + left, top.y + top_room, top.x + avail.x - right, top.y + avail.y - 44};
}

float widest(const std::vector<std::string>& texts) {
  float w = 0;
  for (const auto& t : texts) w = std::max(w, ImGui::CalcTextSize(t.c_str()).x);
  return w;
}

}  // namespace

void App::sweep_line_chart(const ComparedKpi& row) {
  const SweepAxis& axis = sweep_->axes[0];
  DrawnSweep& d = drawn_sweep_;
  d.kind = "line";
  d.kpi = row.component + "." + row.name;
  // The x axis spans the swept values (a little wider), the y axis every interval.
  const double xmin = axis.values.front(), xmax = axis.values.back();
  const double xpad = xmax > xmin ? (xmax - xmin) * 0.05 : 1;
  d.x_lo = xmin - xpad;
  d.x_hi = xmax + xpad;
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (std::size_t c = 0; c < row.per_case.size(); ++c) {
    const Interval& v = row.per_case[c];
    if (!std::isfinite(v.mean)) continue;
    const double h = std::isfinite(v.half_width) ? v.half_width : 0;
    lo = std::min(lo, v.mean - h);
    hi = std::max(hi, v.mean + h);
  }
  if (!(hi >= lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) lo -= 1, hi += 1;
  const double ypad = (hi - lo) * 0.08;
  d.y_lo = lo - ypad;
  d.y_hi = hi + ypad;
  const std::vector<double> ticks = nice_ticks(d.y_lo, d.y_hi, 5);
  std::vector<std::string> tick_text;
  for (const double v : ticks) tick_text.push_back(format_value(v, row.unit));
  const Rect area = chart_area(widest(tick_text) + 14, 10, 16);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  d.x0 = area.x0;
  d.y0 = area.y0;
  d.x1 = area.x1;
  d.y1 = area.y1;
  auto px = [&](double x) {
    return area.x0 + static_cast<float>((x - d.x_lo) / (d.x_hi - d.x_lo)) * (area.x1 - area.x0);
  };
  auto py = [&](double y) {
    return area.y1 - static_cast<float>((y - d.y_lo) / (d.y_hi - d.y_lo)) * (area.y1 - area.y0);
  };
  const ImU32 grid = IM_COL32(60, 64, 74, 255), label = IM_COL32(190, 190, 200, 255);
  dl->AddRect(ImVec2(area.x0, area.y0), ImVec2(area.x1, area.y1), grid);
  for (std::size_t k = 0; k < ticks.size(); ++k) {
    const float y = py(ticks[k]);
    dl->AddLine(ImVec2(area.x0, y), ImVec2(area.x1, y), grid);
    const std::string& t = tick_text[k];
    dl->AddText(ImVec2(area.x0 - 6 - ImGui::CalcTextSize(t.c_str()).x, y - 8), label, t.c_str());
  }
  // The swept values as written, where they fall; every k-th when they would crowd.
  const std::size_t every = std::max<std::size_t>(
      1, static_cast<std::size_t>(axis.values.size() * 70 / std::max(area.x1 - area.x0, 70.0f)));
  for (std::size_t i = 0; i < axis.values.size(); i += every) {
    const float x = px(axis.values[i]);
    dl->AddLine(ImVec2(x, area.y0), ImVec2(x, area.y1), grid);
    const float w = ImGui::CalcTextSize(axis.texts[i].c_str()).x;
    dl->AddText(ImVec2(x - w / 2, area.y1 + 4), label, axis.texts[i].c_str());
  }
  const std::string title = axis.key;
  dl->AddText(
      ImVec2((area.x0 + area.x1) / 2 - ImGui::CalcTextSize(title.c_str()).x / 2, area.y1 + 22),
      label, title.c_str());
  // The cases in the order of their swept value.
  std::vector<std::size_t> order;
  for (std::size_t c = 0; c < row.per_case.size() && c < sweep_->cell.size(); ++c)
    if (std::isfinite(row.per_case[c].mean)) order.push_back(c);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return sweep_->cell[a][0] < sweep_->cell[b][0]; });
  auto x_of = [&](std::size_t c) {
    return axis.values[static_cast<std::size_t>(sweep_->cell[c][0])];
  };
  auto hw_of = [&](std::size_t c) {
    const double h = row.per_case[c].half_width;
    return std::isfinite(h) ? h : 0.0;
  };
  dl->PushClipRect(ImVec2(area.x0, area.y0), ImVec2(area.x1 + 1, area.y1 + 1), true);
  for (std::size_t k = 0; k + 1 < order.size(); ++k) {
    const std::size_t a = order[k], b = order[k + 1];
    const double ma = row.per_case[a].mean, mb = row.per_case[b].mean;
    dl->AddQuadFilled(ImVec2(px(x_of(a)), py(ma - hw_of(a))),
                      ImVec2(px(x_of(b)), py(mb - hw_of(b))),
                      ImVec2(px(x_of(b)), py(mb + hw_of(b))),
                      ImVec2(px(x_of(a)), py(ma + hw_of(a))), rgb(kSweepBand, 90));
  }
  std::vector<ImVec2> line;
  for (const std::size_t c : order) line.emplace_back(px(x_of(c)), py(row.per_case[c].mean));
  dl->AddPolyline(line.data(), static_cast<int>(line.size()), rgb(kSweepLine), 0, 2);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int hovered = -1;
  for (const std::size_t c : order) {
    const Interval& v = row.per_case[c];
    const float x = px(x_of(c)), y = py(v.mean);
    if (hw_of(c) > 0) {
      const float ylo = py(v.mean - hw_of(c)), yhi = py(v.mean + hw_of(c));
      dl->AddLine(ImVec2(x, ylo), ImVec2(x, yhi), rgb(kWhisker), 1.5f);
      dl->AddLine(ImVec2(x - 5, ylo), ImVec2(x + 5, ylo), rgb(kWhisker), 1.5f);
      dl->AddLine(ImVec2(x - 5, yhi), ImVec2(x + 5, yhi), rgb(kWhisker), 1.5f);
    }
    dl->AddCircleFilled(ImVec2(x, y), 5, rgb(kSweepLine), 16);
    d.points.push_back({data_->cases[c], x_of(c), 0, v.mean, v.half_width, x, y});
    if (std::abs(mouse.x - x) < 8 && std::abs(mouse.y - y) < 8) hovered = static_cast<int>(c);
  }
  dl->PopClipRect();
  if (hovered >= 0) {
    const auto c = static_cast<std::size_t>(hovered);
    ImGui::SetTooltip(
        "%s\n%s = %s\n%s: %s%s", data_->cases[c].c_str(), axis.key.c_str(),
        axis.texts[static_cast<std::size_t>(sweep_->cell[c][0])].c_str(), d.kpi.c_str(),
        format_kpi(row.per_case[c].mean, row.per_case[c].half_width, row.unit).c_str(),
        open_on_click(c).c_str());
  }
}

void App::sweep_heatmap(const ComparedKpi& row) {
  const SweepAxis &ax = sweep_->axes[0], &ay = sweep_->axes[1];
  DrawnSweep& d = drawn_sweep_;
  d.kind = "heatmap";
  d.kpi = row.component + "." + row.name;
  d.x_lo = ax.values.front();
  d.x_hi = ax.values.back();
  d.y_lo = ay.values.front();
  d.y_hi = ay.values.back();
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (const Interval& v : row.per_case)
    if (std::isfinite(v.mean)) lo = std::min(lo, v.mean), hi = std::max(hi, v.mean);
  if (!(hi >= lo)) lo = 0, hi = 1;
  d.v_lo = lo;
  d.v_hi = hi;
  const std::string lo_text = format_value(lo, row.unit), hi_text = format_value(hi, row.unit);
  const Rect area = chart_area(widest(ay.texts) + 14, 26, widest({lo_text, hi_text}) + 44);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  d.x0 = area.x0;
  d.y0 = area.y0;
  d.x1 = area.x1;
  d.y1 = area.y1;
  auto scale = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };
  const float cw = (area.x1 - area.x0) / static_cast<float>(ax.values.size()),
              ch = (area.y1 - area.y0) / static_cast<float>(ay.values.size());
  const ImU32 label = IM_COL32(190, 190, 200, 255);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int hovered = -1;
  for (std::size_t c = 0; c < row.per_case.size() && c < sweep_->cell.size(); ++c) {
    const int i = sweep_->cell[c][0], j = sweep_->cell[c][1];
    // The second key rises upwards, as on a plot.
    const float x0 = area.x0 + static_cast<float>(i) * cw, x1 = x0 + cw,
                y1 = area.y1 - static_cast<float>(j) * ch, y0 = y1 - ch;
    const Interval& v = row.per_case[c];
    const Colour col = heat_colour(scale(v.mean));
    dl->AddRectFilled(
        ImVec2(x0 + 1, y0 + 1), ImVec2(x1 - 1, y1 - 1),
        std::isfinite(v.mean) ? IM_COL32(col.r, col.g, col.b, 255) : IM_COL32(60, 60, 60, 255));
    // The value in the cell's top left, dark on light colours.
    const std::string t = format_value(v.mean, row.unit);
    if (std::isfinite(v.mean) && ImGui::CalcTextSize(t.c_str()).x < cw - 8 && ch > 22) {
      const bool light = 0.299 * col.r + 0.587 * col.g + 0.114 * col.b > 140;
      dl->AddText(ImVec2(x0 + 5, y0 + 3),
                  light ? IM_COL32(20, 20, 20, 255) : IM_COL32(240, 240, 240, 255), t.c_str());
    }
    d.points.push_back({data_->cases[c], ax.values[static_cast<std::size_t>(i)],
                        ay.values[static_cast<std::size_t>(j)], v.mean, v.half_width, 0, 0, x0 + 1,
                        y0 + 1, x1 - 1, y1 - 1});
    if (mouse.x >= x0 && mouse.x < x1 && mouse.y >= y0 && mouse.y < y1)
      hovered = static_cast<int>(c);
  }
  for (std::size_t i = 0; i < ax.values.size(); ++i) {
    const float w = ImGui::CalcTextSize(ax.texts[i].c_str()).x;
    dl->AddText(ImVec2(area.x0 + (static_cast<float>(i) + 0.5f) * cw - w / 2, area.y1 + 4), label,
                ax.texts[i].c_str());
  }
  for (std::size_t j = 0; j < ay.values.size(); ++j) {
    const float w = ImGui::CalcTextSize(ay.texts[j].c_str()).x;
    dl->AddText(ImVec2(area.x0 - 6 - w, area.y1 - (static_cast<float>(j) + 0.5f) * ch - 8), label,
                ay.texts[j].c_str());
  }
  dl->AddText(
      ImVec2((area.x0 + area.x1) / 2 - ImGui::CalcTextSize(ax.key.c_str()).x / 2, area.y1 + 22),
      label, ax.key.c_str());
  dl->AddText(ImVec2(area.x0, area.y0 - 22), label, (ay.key + " (up)").c_str());
  // The legend: the colour scale from the lowest mean (bottom) to the highest (top).
  const float lx0 = area.x1 + 16, lx1 = lx0 + 18;
  constexpr int kSteps = 48;
  for (int k = 0; k < kSteps; ++k) {
    const float y1 = area.y1 - static_cast<float>(k) * (area.y1 - area.y0) / kSteps,
                y0 = area.y1 - static_cast<float>(k + 1) * (area.y1 - area.y0) / kSteps;
    const Colour col = heat_colour((k + 0.5) / kSteps);
    dl->AddRectFilled(ImVec2(lx0, y0), ImVec2(lx1, y1), IM_COL32(col.r, col.g, col.b, 255));
  }
  dl->AddText(ImVec2(lx1 + 4, area.y0 - 2), label, hi_text.c_str());
  dl->AddText(ImVec2(lx1 + 4, area.y1 - 14), label, lo_text.c_str());
  if (hovered >= 0) {
    const auto c = static_cast<std::size_t>(hovered);
    ImGui::SetTooltip(
        "%s\n%s = %s\n%s = %s\n%s: %s%s", data_->cases[c].c_str(), ax.key.c_str(),
        ax.texts[static_cast<std::size_t>(sweep_->cell[c][0])].c_str(), ay.key.c_str(),
        ay.texts[static_cast<std::size_t>(sweep_->cell[c][1])].c_str(), d.kpi.c_str(),
        format_kpi(row.per_case[c].mean, row.per_case[c].half_width, row.unit).c_str(),
        open_on_click(c).c_str());
  }
}

void App::draw_component(std::size_t i, const Rect& r, float zoom) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ComponentInfo& c = data_->components[i];
  const ImVec2 a(r.x0, r.y0), b(r.x1, r.y1);
  const float bw = r.x1 - r.x0, bh = r.y1 - r.y0;
  const float round = bw > 20 ? 4.0f * std::min(zoom, 1.0f) : 0.0f;
  auto series_at = [&](int index) {
    return index >= 0 ? data_->series[static_cast<std::size_t>(index)].at(time_) : std::nan("");
  };
  std::string value;
  if (c.type == "machine" || c.type == "assembly") {
    const double st = series_at(state_series_[i]);
    const int servers = servers_[i];
    if (servers <= 1 || bw < 4.0f * static_cast<float>(servers)) {
      dl->AddRectFilled(a, b, rgb(state_colour(st)), round);
    } else {
      // One segment per server: the busy ones working, the others in the machine's state
      // (idle ones starved while it works).
      const double busy = series_at(busy_series_[i]);
      const int working = std::isfinite(busy) ? static_cast<int>(busy) : 0;
      const Rgb rest = st == 0 ? kStarved : state_colour(st);
      const float seg = bw / static_cast<float>(servers);
      for (int k = 0; k < servers; ++k) {
        const Rgb col = std::isfinite(st) && k < working && st != 3 ? kWorking : rest;
        dl->AddRectFilled(
            ImVec2(a.x + seg * static_cast<float>(k), a.y),
            ImVec2(a.x + seg * static_cast<float>(k + 1) - (k + 1 < servers ? 1 : 0), b.y),
            rgb(col));
      }
    }
    health_overlay(i, r, zoom);
    value = state_name(st);
    if (servers > 1)
      value += fmt::format(" {:.0f}/{}", std::max(0.0, series_at(busy_series_[i])), servers);
  } else if (c.type == "conveyor") {
    // A belt: a dark band between two rollers, the parts on it as squares.
    const float belt_h = bh * 0.5f, y0 = a.y + (bh - belt_h) / 2, y1 = y0 + belt_h;
    const float roller = belt_h / 2;
    dl->AddRectFilled(ImVec2(a.x + roller, y0), ImVec2(b.x - roller, y1),
                      IM_COL32(52, 56, 64, 255));
    dl->AddCircleFilled(ImVec2(a.x + roller, (y0 + y1) / 2), roller, IM_COL32(140, 145, 155, 255));
    dl->AddCircleFilled(ImVec2(b.x - roller, (y0 + y1) / 2), roller, IM_COL32(140, 145, 155, 255));
    const double level = series_at(level_series_[i]);
    if (std::isfinite(level) && level > 0) {
      const double cap =
          std::isfinite(c.capacity) && c.capacity > 0 ? c.capacity : std::max(level, 1.0);
      const int slots = static_cast<int>(std::clamp(cap, 1.0, 24.0));
      const int shown = static_cast<int>(std::ceil(std::clamp(level / cap, 0.0, 1.0) * slots));
      const float len = bw - 2 * roller, step = len / static_cast<float>(slots);
      const float side = std::min(step * 0.7f, belt_h * 0.7f);
      // Parts gather at the head (the right end), where they wait for the next station.
      for (int k = 0; k < shown; ++k) {
        const float cx = b.x - roller - step * (static_cast<float>(k) + 0.5f);
        dl->AddRectFilled(ImVec2(cx - side / 2, (y0 + y1) / 2 - side / 2),
                          ImVec2(cx + side / 2, (y0 + y1) / 2 + side / 2), rgb(kBufferFill));
      }
    }
    if (std::isfinite(level))
      value = std::isfinite(c.capacity) ? fmt::format("{:.0f}/{:.0f} on belt", level, c.capacity)
                                        : fmt::format("{:.0f} on belt", level);
  } else if (c.type == "buffer") {
    const double level = series_at(level_series_[i]);
    dl->AddRectFilled(a, b, IM_COL32(40, 44, 52, 255), round * 0.5f);
    double fill = 0;
    if (std::isfinite(level)) {
      const double cap =
          std::isfinite(c.capacity) && c.capacity > 0 ? c.capacity : std::max(level, 1.0) * 2;
      fill = std::clamp(level / cap, 0.0, 1.0);
      value = std::isfinite(c.capacity) ? fmt::format("{:.0f}/{:.0f}", level, c.capacity)
                                        : fmt::format("{:.0f}", level);
    }
    if (fill > 0)
      dl->AddRectFilled(ImVec2(a.x, b.y - static_cast<float>(fill) * bh), b, rgb(kBufferFill),
                        round * 0.5f);
    if (bw > 20) dl->AddRect(a, b, IM_COL32(200, 200, 200, 255), 2);
  } else if (c.type == "source" || c.type == "sink") {
    dl->AddRectFilled(a, b, IM_COL32(150, 120, 200, 255), round > 0 ? bh * 0.5f : 0.0f);
    const double n = series_at(count_series_[i]);
    if (std::isfinite(n)) value = format_count(n) + " parts";
  } else if (temperature_series_[i] >= 0) {
    // A thermal body: red above its alarm limit, cool blue below; a thermometer bar filled
    // between the coldest and warmest it was during the run.
    const double t = series_at(temperature_series_[i]);
    const double alarm = series_at(alarm_series_[i]);
    dl->AddRectFilled(a, b, alarm > 0 ? rgb(kDown) : IM_COL32(40, 110, 150, 255), round * 0.5f);
    const Series& ts = data_->series[static_cast<std::size_t>(temperature_series_[i])];
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (const double v : ts.v)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    if (std::isfinite(t) && hi > lo) {
      const float f = static_cast<float>(std::clamp((t - lo) / (hi - lo), 0.0, 1.0));
      const float bar = std::max(3.0f, 6 * zoom);
      dl->AddRectFilled(ImVec2(a.x + 3, b.y - bar - 2), ImVec2(b.x - 3, b.y - 2),
                        IM_COL32(20, 24, 30, 255));
      dl->AddRectFilled(ImVec2(a.x + 3, b.y - bar - 2), ImVec2(a.x + 3 + f * (bw - 6), b.y - 2),
                        alarm > 0 ? IM_COL32(255, 200, 190, 255) : IM_COL32(150, 220, 255, 255));
    }
    if (std::isfinite(t)) inside_text(r, zoom, {fmt::format("{:.1f} °C", t)});
    if (std::isfinite(alarm))
      value = alarm > 0 ? "ALARM" : "no alarm";  // (the limit has hysteresis)
  } else {
    // Sensors, crews, meters: their reading or load inside the box.
    dl->AddRectFilled(a, b, IM_COL32(90, 90, 110, 255), round * 0.5f);
    for (const int k : own_series_[i]) {
      const Series& sr = data_->series[static_cast<std::size_t>(k)];
      const std::string sig = sr.name.substr(c.name.size() + 1);
      const double v = sr.at(time_);
      if (!std::isfinite(v)) continue;
      if (sig == "value") value = format_value(v, sr.unit);
      if (sig == "busy") value = fmt::format("{:.0f} busy", v);
      if (sig == "active") value = v > 0 ? "ALARM" : "ok";
      if (!value.empty()) break;
    }
    if (!value.empty()) inside_text(r, zoom, {value});
    value.clear();  // shown inside
  }
  const float font = placement_.metrics.line_h * zoom;
  ImFont* value_font = diagram_font_ ? diagram_font_ : ImGui::GetFont();
  if (!value.empty() && font >= 6.5f) {
    const ImVec2 size = value_font->CalcTextSizeA(font, FLT_MAX, 0, value.c_str());
    dl->AddText(value_font, font, ImVec2((a.x + b.x) / 2 - size.x / 2, a.y - size.y - 2 * zoom),
                IM_COL32(190, 190, 190, 255), value.c_str());
  }
}

void App::select_component(int i) {
  selected_component_ = i;
  if (i < 0) return;
  // Its signals that say most, plotted instead of what was.
  std::vector<std::string> pick;
  for (const char* want : {"state", "level", "temperature", "wear", "vibration", "busy", "value",
                           "active", "power", "completed", "count"})
    for (const int k : own_series_[static_cast<std::size_t>(i)]) {
      const std::string& n = data_->series[static_cast<std::size_t>(k)].name;
      if (pick.size() < 4 && n.substr(n.rfind('.') + 1) == want) pick.push_back(n);
    }
  if (!pick.empty()) plotted_ = pick;
}

double App::remaining_life_s(std::size_t i) const {
  if (wear_series_[i] < 0) return std::nan("");
  const Series& w = data_->series[static_cast<std::size_t>(wear_series_[i])];
  const auto end = std::upper_bound(w.t.begin(), w.t.end(), time_);
  if (end == w.t.begin()) return std::nan("");
  const std::size_t k = static_cast<std::size_t>(end - w.t.begin()) - 1;
  // Back over the last day of samples, stopping at a renewal (the wear dropped).
  std::size_t j = k;
  while (j > 0 && w.t[k] - w.t[j - 1] <= 86400 && w.v[j - 1] <= w.v[j]) --j;
  if (j == k || !(w.v[k] > w.v[j])) return std::nan("");
  const double slope = (w.v[k] - w.v[j]) / (w.t[k] - w.t[j]);
  return std::max(0.0, (1.0 - w.v[k]) / slope);
}

void App::inside_text(const Rect& r, float zoom, const std::vector<std::string>& lines) {
  const float font = placement_.metrics.line_h * zoom;
  if (font < 7) return;
  ImFont* f = diagram_font_ ? diagram_font_ : ImGui::GetFont();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const ImVec2 size = f->CalcTextSizeA(font, FLT_MAX, 0, lines[k].c_str());
    if (size.x > r.x1 - r.x0 - 2) continue;
    dl->AddText(
        f, font,
        ImVec2((r.x0 + r.x1) / 2 - size.x / 2, r.y0 + 2 * zoom + static_cast<float>(k) * font),
        IM_COL32(15, 15, 20, 255), lines[k].c_str());
  }
}

void App::health_overlay(std::size_t i, const Rect& r, float zoom) {
  auto series_at = [&](int index) {
    return index >= 0 ? data_->series[static_cast<std::size_t>(index)].at(time_) : std::nan("");
  };
  const double wear = series_at(wear_series_[i]);
  const double vibration = series_at(vibration_series_[i]);
  const double power = series_at(power_series_[i]);
  std::vector<std::string> lines;
  if (std::isfinite(vibration)) lines.push_back(fmt::format("{:.1f} mm/s", vibration));
  if (const double rul = remaining_life_s(i); std::isfinite(rul))
    lines.push_back("RUL " + format_duration_s(rul));
  if (lines.size() < 2 && std::isfinite(power) && power > 0)
    lines.push_back(fmt::format("{:.3g} kW", power));
  inside_text(r, zoom, lines);
  if (!std::isfinite(wear)) return;
  // Wear as a bar along the bottom of the box: green, amber past 60 %, red past 85 % of the
  // limit.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float bar = std::max(3.0f, 6 * zoom), w = r.x1 - r.x0;
  const float f = static_cast<float>(std::clamp(wear, 0.0, 1.0));
  const ImU32 col = wear < 0.6    ? IM_COL32(120, 230, 120, 255)
                    : wear < 0.85 ? IM_COL32(250, 200, 60, 255)
                                  : IM_COL32(255, 80, 70, 255);
  dl->AddRectFilled(ImVec2(r.x0, r.y1 - bar), ImVec2(r.x1, r.y1), IM_COL32(20, 24, 30, 255));
  dl->AddRectFilled(ImVec2(r.x0, r.y1 - bar), ImVec2(r.x0 + f * w, r.y1), col);
  wear_bars_.push_back({data_->components[i].name, r.x0, r.y1 - bar, r.x1, r.y1, wear});
}

void App::component_tooltip(std::size_t i) {
  const ComponentInfo& c = data_->components[i];
  ImGui::BeginTooltip();
  ImGui::Text("%s  (%s)", c.name.c_str(), c.type.c_str());
  ImGui::Separator();
  const auto& own = own_series_[i];
  for (std::size_t k = 0; k < own.size() && k < 24; ++k) {
    const Series& s = data_->series[static_cast<std::size_t>(own[k])];
    const double v = s.at(time_);
    const std::string short_name = s.name.substr(c.name.size() + 1);
    if (short_name == "state")
      ImGui::Text("%-16s %s", short_name.c_str(), state_name(v));
    else
      ImGui::Text("%-16s %s", short_name.c_str(), format_value(v, s.unit).c_str());
  }
  if (const double rul = remaining_life_s(i); std::isfinite(rul))
    ImGui::Text("%-16s %s (wear's slope over the last day, to the limit 1)", "RUL",
                format_duration_s(rul).c_str());
  bool header = false;
  for (const auto& k : data_->kpis) {
    if (k.component != c.name) continue;
    if (!header) {
      ImGui::Separator();
      ImGui::TextDisabled("KPIs");
      header = true;
    }
    ImGui::Text("%-16s %s", k.name.c_str(), format_kpi(k.value, k.half_width, k.unit).c_str());
  }
  ImGui::EndTooltip();
}

void App::timeline_window() {
  const float y = height_ * kPlantShare, w = width_ * 0.62f;
  ImGui::SetNextWindowPos(ImVec2(0, y), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(w, height_ * kTimelineShare), ImGuiCond_FirstUseEver);
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
  gantt();
  ImGui::End();
}

void App::gantt() {
  gantt_rows_.clear();
  if (gantt_components_.empty()) return;
  const double t0 = data_->t0, t1 = std::max(data_->t1, data_->t0);
  constexpr float kRow = 15, kBar = 11;
  const float name_w = std::min(150.0f, ImGui::GetContentRegionAvail().x * 0.25f);
  ImGui::BeginChild("gantt", ImVec2(0, 0), false);
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const float bar_x0 = top.x + name_w + 6;
  const float bar_w = std::max(ImGui::GetContentRegionAvail().x - name_w - 8, 10.0f);
  const float rows_h = kRow * static_cast<float>(gantt_components_.size());
  // The whole area scrubs: pressing or dragging in it moves the time shown there.
  ImGui::SetCursorScreenPos(ImVec2(bar_x0, top.y));
  ImGui::InvisibleButton("scrub", ImVec2(bar_w, rows_h));
  if (ImGui::IsItemActive() && t1 > t0) {
    const double f = std::clamp((ImGui::GetIO().MousePos.x - bar_x0) / bar_w, 0.0f, 1.0f);
    time_ = 2 * (t0 * 0.5 + f * (t1 * 0.5 - t0 * 0.5));
    follow_live_ = false;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  auto x_of = [&](double t) { return bar_x0 + static_cast<float>(fraction(t, t0, t1)) * bar_w; };
  const ImVec2 clip_min = ImGui::GetWindowPos();
  const ImVec2 clip_max(clip_min.x + ImGui::GetWindowSize().x,
                        clip_min.y + ImGui::GetWindowSize().y);
  for (std::size_t r = 0; r < gantt_components_.size(); ++r) {
    const float y0 = top.y + kRow * static_cast<float>(r) + (kRow - kBar) / 2, y1 = y0 + kBar;
    if (y1 < clip_min.y || y0 > clip_max.y) continue;
    const std::size_t ci = static_cast<std::size_t>(gantt_components_[r]);
    const std::string& name = data_->components[ci].name;
    gantt_rows_.push_back({name, bar_x0, y0, bar_x0 + bar_w, y1, t0, t1});
    // The name, elided to its column; whole on hover.
    std::vector<std::string> lines;
    const bool elided = wrap_label(name, static_cast<int>(name_w / 7.5f), 1, lines);
    dl->AddText(ImVec2(top.x, y0 - 2), IM_COL32(210, 210, 210, 255), lines[0].c_str());
    if (elided && ImGui::IsMouseHoveringRect(ImVec2(top.x, y0), ImVec2(top.x + name_w, y1)))
      ImGui::SetTooltip("%s", name.c_str());
    dl->AddRectFilled(ImVec2(bar_x0, y0), ImVec2(bar_x0 + bar_w, y1), rgb(kUnknown));
    const Series& st = data_->series[static_cast<std::size_t>(state_series_[ci])];
    // Runs of one state; a down or setup run keeps at least a pixel, so a short failure shows.
    std::size_t i =
        static_cast<std::size_t>(std::upper_bound(st.t.begin(), st.t.end(), t0) - st.t.begin());
    if (i > 0) --i;
    while (i < st.t.size()) {
      const double v = st.v[i];
      std::size_t j = i + 1;
      while (j < st.t.size() && (st.v[j] == v || (std::isnan(v) && std::isnan(st.v[j])))) ++j;
      const double end = j < st.t.size() ? st.t[j] : t1;
      float xa = x_of(st.t[i]), xb = x_of(end);
      if ((v == 3 || v == 5) && xb - xa < 1) xb = xa + 1;
      if (xb > xa) dl->AddRectFilled(ImVec2(xa, y0), ImVec2(xb, y1), rgb(state_colour(v)));
      i = j;
    }
    // Marks: failures (a red triangle above), repairs (a green tick below), services (a blue
    // diamond), setups (an orange tick above).
    for (const int e : gantt_marks_[r]) {
      const EventRow& ev = data_->events[static_cast<std::size_t>(e)];
      const float x = x_of(ev.time);
      if (ev.kind == "failure") {
        dl->AddTriangleFilled(ImVec2(x - 3, y0 - 3), ImVec2(x + 3, y0 - 3), ImVec2(x, y0 + 2),
                              IM_COL32(255, 90, 80, 255));
      } else if (ev.kind == "repaired") {
        dl->AddLine(ImVec2(x, y1 - 3), ImVec2(x, y1 + 2), IM_COL32(120, 230, 120, 255), 1.5f);
      } else if (ev.kind.rfind("service", 0) == 0) {
        const float c = (y0 + y1) / 2;
        dl->AddQuadFilled(ImVec2(x, c - 4), ImVec2(x + 4, c), ImVec2(x, c + 4), ImVec2(x - 4, c),
                          IM_COL32(120, 170, 255, 255));
      } else {
        dl->AddLine(ImVec2(x, y0 - 3), ImVec2(x, y0 + 3), rgb(kSetup), 2);
      }
    }
  }
  const float now_x = x_of(time_);
  dl->AddLine(ImVec2(now_x, top.y), ImVec2(now_x, top.y + rows_h), IM_COL32(255, 255, 255, 220),
              1.5f);
  ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + rows_h));
  ImGui::Dummy(ImVec2(1, 2));
  ImGui::EndChild();
}

void App::index_marks() {
  for (; marks_seen_ < data_->events.size(); ++marks_seen_) {
    const EventRow& e = data_->events[marks_seen_];
    if (!(e.kind == "failure" || e.kind == "repaired" || e.kind.rfind("service", 0) == 0 ||
          e.kind.rfind("setup", 0) == 0))
      continue;
    const auto it = gantt_row_of_.find(e.component);
    if (it != gantt_row_of_.end())
      gantt_marks_[static_cast<std::size_t>(it->second)].push_back(static_cast<int>(marks_seen_));
  }
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
  dl->AddText(ImVec2(a.x + 4, a.y + 2), IM_COL32(220, 220, 220, 255),
              fmt::format("{}   {} .. {}   now {}", s.name, format_value(vmin, s.unit),
                          format_value(vmax, s.unit), format_value(s.at(time_), s.unit))
                  .c_str());
  dl->PopClipRect();
}

void App::signals_window() {
  const float y = height_ * (kPlantShare + kTimelineShare), w = width_ * 0.62f;
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
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_Sortable |
                                ImGuiTableFlags_SortTristate;
  if (selected_component_ >= 0) {
    ImGui::Text("%s only",
                data_->components[static_cast<std::size_t>(selected_component_)].name.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("show all")) selected_component_ = -1;
    ImGui::SameLine();
  }
  if (ImGui::SmallButton("copy as CSV"))
    ImGui::SetClipboardText(kpis_csv(data_->kpis, kpi_order_).c_str());
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("the table in the order shown, full precision, to paste in a spreadsheet");
  if (ImGui::BeginTable("kpis", 3, flags)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    // Unsorted at first (the report's order); the value column gets the room an interval needs.
    ImGui::TableSetupColumn("component", ImGuiTableColumnFlags_WidthStretch, 0.9f);
    ImGui::TableSetupColumn("KPI", ImGuiTableColumnFlags_WidthStretch, 0.9f);
    ImGui::TableSetupColumn(
        "value", ImGuiTableColumnFlags_WidthStretch | ImGuiTableColumnFlags_PreferSortDescending,
        1.6f);
    ImGui::TableHeadersRow();
    // Sorted again when the user asks or the table changed (a live source, another case).
    ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
    const std::string only =
        selected_component_ >= 0
            ? data_->components[static_cast<std::size_t>(selected_component_)].name
            : std::string();
    const std::string key = fmt::format("{} {} {} {} {} {}", data_->kpis.size(), data_->kpi_time,
                                        data_->selected_case, data_->selected_replication,
                                        static_cast<const void*>(data_->kpis.data()), only);
    if ((specs && specs->SpecsDirty) || key != kpi_sorted_for_) {
      kpi_order_.clear();
      for (std::size_t i = 0; i < data_->kpis.size(); ++i)
        if (only.empty() || data_->kpis[i].component == only)
          kpi_order_.push_back(static_cast<int>(i));
      if (specs && specs->SpecsCount > 0) {
        const ImGuiTableColumnSortSpecs& s = specs->Specs[0];
        const bool up = s.SortDirection == ImGuiSortDirection_Ascending;
        const auto& k = data_->kpis;
        std::stable_sort(kpi_order_.begin(), kpi_order_.end(), [&](int a, int b) {
          const KpiItem &x = k[static_cast<std::size_t>(a)], &y = k[static_cast<std::size_t>(b)];
          int c = 0;
          if (s.ColumnIndex == 0) c = x.component.compare(y.component);
          if (s.ColumnIndex == 1) c = x.name.compare(y.name);
          if (s.ColumnIndex == 2) c = x.value < y.value ? -1 : y.value < x.value ? 1 : 0;
          return up ? c < 0 : c > 0;
        });
      }
      if (specs) specs->SpecsDirty = false;
      kpi_sorted_for_ = key;
    }
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(kpi_order_.size()));
    while (clip.Step())
      for (int r = clip.DisplayStart; r < clip.DisplayEnd; ++r) {
        const KpiItem& k =
            data_->kpis[static_cast<std::size_t>(kpi_order_[static_cast<std::size_t>(r)])];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k.component.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k.name.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_kpi(k.value, k.half_width, k.unit).c_str());
        if (ImGui::IsItemHovered()) {
          // The full value, as stored.
          if (std::isfinite(k.half_width))
            ImGui::SetTooltip("%s.%s = %.17g %s\n95%% half-width %.17g %s", k.component.c_str(),
                              k.name.c_str(), k.value, k.unit.c_str(), k.half_width,
                              k.unit.c_str());
          else
            ImGui::SetTooltip("%s.%s = %.17g %s", k.component.c_str(), k.name.c_str(), k.value,
                              k.unit.c_str());
        }
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
