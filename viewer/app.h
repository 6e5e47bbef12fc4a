#pragma once
// The viewer's windows: plant diagram, timeline, signal plots, KPIs and the event log. All state
// of the user interface lives here; ImGui's global context stays in viewer/.

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compare.h"
#include "data_source.h"
#include "sweep.h"

struct ImFont;
#include "layout.h"

namespace plantwin::viewer {

/// Colours of machine states (also checked by the pixel tests), RGB. Each state has its own:
/// "unknown" (the state is not recorded, or not yet known) is a dark violet grey, never the
/// grey of "off".
struct Rgb {
  unsigned char r, g, b;
};
inline constexpr Rgb kWorking{46, 160, 67}, kStarved{230, 190, 40}, kBlocked{60, 110, 220},
    kDown{210, 50, 50}, kOff{120, 120, 120}, kSetup{235, 120, 30}, kUnknown{72, 60, 96},
    kBufferFill{100, 180, 230};
/// The comparison of an experiment's cases: a case's bar, one whose paired difference against
/// the base excludes zero, and the intervals' whiskers.
inline constexpr Rgb kCaseBar{70, 130, 200}, kDifferent{240, 150, 40}, kWhisker{240, 240, 240};
/// The states in the order of their codes (the `state` signal: 0 working, 1 starved,
/// 2 blocked, 3 down, 4 off shift, 5 setup), then unknown.
inline constexpr Rgb kStateColours[] = {kWorking, kStarved, kBlocked, kDown,
                                        kOff,     kSetup,   kUnknown};
inline constexpr const char* kStateNames[] = {"working", "starved", "blocked", "down",
                                              "off",     "setup",   "unknown"};
/// The colour and name of a value of a `state` signal (NaN or an unknown code: unknown).
Rgb state_colour(double state);
const char* state_name(double state);

/// Where a component was drawn in the last frame, in framebuffer pixels: its box and its
/// name's label.
struct DrawnBox {
  std::string name, type;
  float x0, y0, x1, y1;
  Rect label;
  std::string next_to;  ///< the flow component it was placed next to (a sensor's, a crew's)
};

/// A machine's row in the Gantt chart, drawn in the last frame: its bar in framebuffer pixels
/// and the times at its ends.
struct GanttRow {
  std::string name;
  float x0, y0, x1, y1;
  double t0, t1;
};

/// A case's bar in the comparison of an experiment's cases, drawn in the last frame: the bar
/// (framebuffer pixels), its whisker's ends and height, and what it shows.
struct DrawnBar {
  std::string kpi, case_name;
  float x0, y0, x1, y1;
  float lo, hi, y;  ///< the interval's whisker
  double mean, half_width;
  bool different;  ///< its paired difference against the base excludes zero
};

/// The tether between a sensor or crew and the component it observes or serves.
inline constexpr Rgb kTether{205, 140, 235};
/// The colours of a sweep's line chart: the line and its points, and the 95 % band.
inline constexpr Rgb kSweepLine{250, 205, 70}, kSweepBand{70, 130, 200};

/// A sweep's chart drawn in the last frame: "line" (one swept key) or "heatmap" (two), the KPI
/// shown, the plot area and its axes' ranges (framebuffer pixels; the value at each edge), and
/// per case its point (line chart: x the swept value) or its cell (heatmap).
struct DrawnSweep {
  std::string kind, kpi;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;  ///< values at x0, x1 and at y1, y0
  double v_lo = 0, v_hi = 0;                      ///< the heatmap's colour scale
  struct Point {
    std::string case_name;
    double x = 0, y = 0;  ///< swept values (y: the heatmap's second key)
    double mean = 0, half_width = 0;
    float px = 0, py = 0;                      ///< line chart: the point drawn
    float cx0 = 0, cy0 = 0, cx1 = 0, cy1 = 0;  ///< heatmap: the cell
  };
  std::vector<Point> points;
};

/// A machine's wear bar drawn in the last frame (framebuffer pixels) and the wear it shows.
struct WearBar {
  std::string name;
  float x0, y0, x1, y1;
  double wear;
};

class App {
 public:
  explicit App(std::unique_ptr<DataSource> data);
  /// Builds one frame's windows; `dt` is the wall time since the last frame (for playback).
  void frame(float dt, float width, float height);
  void set_time(double t) { time_ = t; }
  double time() const { return time_; }
  void set_playing(bool p) { playing_ = p; }
  /// The font of the diagram's names and values (monospaced: the layout counts characters);
  /// ImGui's default when null.
  void set_diagram_font(ImFont* f) { diagram_font_ = f; }
  const std::vector<DrawnBox>& boxes() const { return boxes_; }
  const std::vector<GanttRow>& gantt_rows() const { return gantt_rows_; }
  const std::vector<DrawnBar>& bars() const { return bars_; }
  const std::vector<WearBar>& wear_bars() const { return wear_bars_; }
  /// The sweep found in an experiment's cases (none: bars only) and its chart as last drawn.
  const std::optional<Sweep>& sweep() const { return sweep_; }
  const DrawnSweep& sweep_chart() const { return drawn_sweep_; }
  /// Charts the sweep for this KPI ("component.name"); false when the file has no such KPI.
  bool set_chart_kpi(const std::string& kpi);
  /// An experiment's recorded run: opens its plant, timeline and signals in place of the
  /// comparison (DataSource::open_run; throws as it does).
  void open_run(int case_index, int replication);
  DataSource& data() { return *data_; }
  /// Alarms raised up to the time shown, and those of them still active then.
  int alarms_raised() const;
  int alarms_active() const;
  /// Selects a component as a click on it does (-1: none): the KPI table lists its rows only
  /// and its main signals are plotted.
  void select_component(int i);
  /// The KPI rows shown (in the order shown) and the signals plotted.
  const std::vector<int>& kpi_rows() const { return kpi_order_; }
  const std::vector<std::string>& plotted() const { return plotted_; }
  /// The components of type feed (a live twin's feeds), by index.
  const std::vector<int>& feeds() const { return feeds_; }

 private:
  void plant_window();
  void compare_window();
  void run_picker();
  /// A chart's point or cell of case `c` under the mouse: a click opens the case's first
  /// recorded run; returns the tooltip's line saying so ("" when it has none).
  std::string open_on_click(std::size_t c);
  /// Derives everything drawn from the source's components, signals and events again.
  void reindex();
  void sweep_line_chart(const ComparedKpi& row);
  void sweep_heatmap(const ComparedKpi& row);
  void draw_component(std::size_t i, const Rect& box, float zoom);
  void health_overlay(std::size_t i, const Rect& box, float zoom);
  void inside_text(const Rect& box, float zoom, const std::vector<std::string>& lines);
  void component_tooltip(std::size_t i);
  void timeline_window();
  void gantt();
  void index_marks();
  void signals_window();
  void plot(const Series& s, float height);
  void kpi_window();
  void events_window();
  void event_table();
  void alarm_table();
  void feed_table();

  void index_series();
  void index_alarms();

  /// An alarm raised (and perhaps cleared) during the run, from the events "alarm" and
  /// "cleared" of alarm components.
  struct AlarmRow {
    std::string component, detail;
    double raised = 0, cleared = std::numeric_limits<double>::quiet_NaN();
  };
  std::vector<AlarmRow> alarms_;
  std::size_t alarm_events_seen_ = 0;
  std::vector<int> feeds_;  // components of type feed

  std::unique_ptr<DataSource> data_;
  Placement placement_;
  // Per component: the series drawn in the diagram (index into data_->series, or -1).
  std::vector<int> state_series_, level_series_, count_series_, temperature_series_, busy_series_,
      wear_series_, vibration_series_, power_series_, alarm_series_;
  /// Remaining useful life at the time shown, extrapolated from the wear's recent slope to the
  /// wear limit (1); NaN without wear or without a rising wear.
  double remaining_life_s(std::size_t component) const;
  std::vector<int> servers_;                  // per component: servers drawn (1 or more)
  std::vector<std::vector<int>> own_series_;  // per component: its signals
  // The diagram's view: world point at the window's top left, and pixels per world unit.
  Point view_origin_{};
  float zoom_ = 1;
  bool fit_pending_ = true;
  ImFont* diagram_font_ = nullptr;
  std::vector<int> visible_signals_, visible_events_;
  double time_ = 0;
  bool playing_ = false;
  float speed_ = 60;  // simulated seconds per wall second
  bool follow_live_ = true;
  std::vector<DrawnBox> boxes_;
  std::vector<GanttRow> gantt_rows_;
  Comparison comparison_;
  std::vector<DrawnBar> bars_;
  std::vector<WearBar> wear_bars_;
  std::optional<Sweep> sweep_;
  int chart_kpi_ = 0;           // index into comparison_.kpis
  bool sweep_as_bars_ = false;  // the user asked for the bars of a sweep
  DrawnSweep drawn_sweep_;
  int generation_ = -1;    // the source's generation indexed
  std::string run_error_;  // why the recorded run picked last did not open
  char compare_filter_[128] = "";
  bool only_different_ = false;
  std::vector<int> compare_rows_;
  std::vector<int> gantt_components_;  // rows: components with a state signal
  std::unordered_map<std::string, int> gantt_row_of_;
  std::vector<std::vector<int>> gantt_marks_;  // per row: events marked on it
  std::size_t marks_seen_ = 0;
  char signal_filter_[128] = "";
  std::vector<std::string> plotted_;
  double view_t0_ = 0, view_t1_ = 0;
  char event_component_[64] = "", event_kind_[64] = "";
  float event_from_ = 0, event_to_ = 0;
  // The KPI table's rows in the order shown, and what they were sorted for.
  std::vector<int> kpi_order_;
  int selected_component_ = -1;  // clicked in the diagram: its KPIs listed, its signals plotted
  std::string kpi_sorted_for_;
  float width_ = 1280, height_ = 800;
};

}  // namespace plantwin::viewer
