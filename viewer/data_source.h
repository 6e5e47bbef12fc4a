#pragma once
// What the viewer shows, wherever it comes from. One interface, two implementations: a result
// file (HDF5) and a running simulation (plantwin run --serve PORT). The viewer holds no
// simulation code: it only reads.

#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace plantwin::viewer {

struct ComponentInfo {
  std::string name, type;
  double x = 0, y = 0;  // from the scenario's `position:`; NaN when not given
  double capacity = 0;  // buffers and conveyors; NaN otherwise
};

/// A sampled signal: step-wise, the value at t is the last sample at or before t.
struct Series {
  std::string name, unit;
  std::vector<double> t, v;
  double at(double time) const;
};

struct EventRow {
  double time = 0;
  std::string component, kind, detail;
};

struct KpiItem {
  std::string component, name, unit;
  double value = 0, half_width = 0;
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  /// Pulls new data (a live source); returns whether anything changed.
  virtual bool refresh() { return false; }
  /// "file", "live", "ended" (the simulation finished) or "lost" (it disappeared).
  virtual std::string status() const = 0;
  /// Experiment files hold several cases; selecting one switches the KPI table.
  virtual void select_case(int) {}
  /// Within a case: the summary over replications (-1) or one replication's KPIs.
  virtual void select_replication(int) {}
  /// Experiment files: opens a recorded run (`case_runs`): its plant, signals, events and KPIs
  /// replace the (empty) ones of the experiment, and `generation` changes. Throws
  /// std::runtime_error naming the file when the run cannot be read.
  virtual void open_run(int /*case_index*/, int /*replication*/) {}
  /// Back to the experiment's comparison: the run's data is dropped.
  virtual void close_run() {}
  /// The recorded run open (its case and replication), or -1.
  int run_case = -1, run_replication = -1;
  /// Changes whenever components, signals and events are replaced wholesale (a run opened or
  /// closed): what the viewer derived from them must be derived again.
  int generation = 0;
  int replications = 0;  ///< Replications of the selected case (experiment files).
  int selected_replication = -1;

  /// Lines a live source rejected as malformed (and skipped), and why it was lost, if it was.
  std::size_t rejected_lines = 0;
  std::string status_detail;

  std::string title;
  std::vector<ComponentInfo> components;
  std::vector<std::pair<int, int>> links;  // component indices
  /// What components outside the flow observe or serve (/meta/relations): component index,
  /// "observes" or "serves", the other component's index.
  struct Relation {
    int component = -1;
    std::string kind;
    int target = -1;
  };
  std::vector<Relation> relations;
  std::vector<Series> series;
  std::vector<EventRow> events;
  std::vector<KpiItem> kpis;
  /// The simulated time of the KPI table: NaN for a file (the end of the run); a live source
  /// receives the table so far while the run goes on.
  double kpi_time = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> cases;
  /// Experiment files: each case's overrides as its group's attribute has them (one
  /// `key.path=value` a line), in `cases` order.
  std::vector<std::string> case_overrides;
  /// Experiment files: each case's replications whose runs were recorded whole, in order.
  std::vector<std::vector<int>> case_runs;
  /// Experiment files: each case's summary and its replications' KPIs (in `cases` order).
  std::vector<std::vector<KpiItem>> case_summaries;
  std::vector<std::vector<std::vector<KpiItem>>> case_replications;
  int selected_case = 0;
  double t0 = 0, t1 = 0;

  const Series* find(const std::string& name) const;
  int component_index(const std::string& name) const;
};

/// Opens a result or experiment file. Throws std::runtime_error naming the file.
std::unique_ptr<DataSource> open_file(const std::string& path);
/// Attaches to `plantwin run ... --serve PORT` at host:port. Throws std::runtime_error.
std::unique_ptr<DataSource> attach(const std::string& host_port);

}  // namespace plantwin::viewer
