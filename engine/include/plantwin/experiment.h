#pragma once
/// Experiments: replications, variants and sweeps, run in parallel and reproducibly.
///
/// An experiment is a list of cases (the base scenario and variants of it, each a list of
/// `--set` overrides) times a number of replications. Replication r of every case uses the
/// random streams of replication r, so cases share random numbers (common random numbers) and
/// their paired differences are sharp. Cases and replications run on OpenMP threads; every
/// result lands in its own slot, so the output is bit-identical whatever the thread count.
///
/// Scenario syntax (in the scenario, or in a separate file with `scenario: path.yaml`):
///
///     experiments:
///       replications: 10
///       record_signals: 1            # keep replication 0's signals of every case
///       sequential: {kpi: line.throughput, relative_half_width: 0.01, max_replications: 200}
///       variants:
///         extra_respot: {components.respot.servers: 3}
///       sweep:                       # a grid: every combination
///         components.bw_buffer.capacity: [0, 3, 6, 12]
///       cases:                       # or a list of named cases
///         - {name: small, set: {components.bw_buffer.capacity: 2}}
///       buffer_allocation:
///         buffers: [bw_buffer, closure_buffer]
///         target_throughput: 56 /h
///         max_capacity: 20

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plantwin/model.h"
#include "plantwin/sim.h"

namespace plantwin {

/// The most cases an experiment may have (a sweep's grid points, say).
inline constexpr int kMaxExperimentCases = 10000;

/// One case: a name and the overrides that turn the base scenario into it.
struct ExperimentCase {
  std::string name;
  std::vector<std::string> overrides;                           ///< "key.path=value"
  std::vector<std::pair<std::string, std::string>> parameters;  ///< Swept key, value (for tables)
};

struct SequentialRule {
  std::string kpi;                    ///< "component.name", e.g. "line.throughput"
  double relative_half_width = 0.01;  ///< Stop when half-width / |mean| falls below this.
  int max_replications = 200;
};

struct BufferAllocationSpec {
  std::vector<std::string> buffers;
  double target_throughput_per_h = 0;
  int max_capacity = 20;
};

/// How many bytes of recorded runs (samples and events, as held in memory) an experiment file
/// keeps at most: runs past it, counted in case order, are left out with a warning.
inline constexpr std::uint64_t kRecordedRunsBudgetBytes = std::uint64_t{256} << 20;

struct ExperimentSpec {
  int replications = 10;
  /// The first `record_signals` replications of every case keep their signals, events and KPIs
  /// for the experiment file (/cases/<name>/runs/<r>), within kRecordedRunsBudgetBytes.
  int record_signals = 0;
  std::uint64_t record_budget_bytes = kRecordedRunsBudgetBytes;  ///< Tests make it smaller.
  double confidence = 0.95;
  std::optional<SequentialRule> sequential;
  std::vector<ExperimentCase> cases;  ///< cases[0] is the base ("base", no overrides).
  std::vector<std::string> swept_keys;
  std::optional<BufferAllocationSpec> buffer_allocation;
};

/// Reads the `experiments:` section of `scenario`. `replications_override` > 0 replaces the
/// replication count (from `plantwin run --replications N`). Throws ScenarioError on bad input.
ExperimentSpec parse_experiment(const Scenario& scenario, int replications_override = 0);

/// Loads a scenario or an experiment file (a file whose top level has `scenario: path`, whose
/// `experiments` section then applies to that scenario).
Scenario load_experiment_file(const std::string& path);

/// The bottleneck of one run by the active-period share method: the machine (or assembly)
/// whose servers spend the largest share of time active, i.e. working or down (neither starved
/// nor blocked). An empty name when the model has no machine.
struct Bottleneck {
  std::string name;
  double active_share = 0;
  std::string runner_up;
  double runner_up_share = 0;
};
Bottleneck find_bottleneck(const Model& model, const std::vector<KpiRow>& kpis);

/// KPI summary over replications.
struct KpiSummary {
  std::string component, name, unit;
  double mean = 0, half_width = 0;
  int n = 0;
};

/// A paired difference of one KPI between a case and the base, over common replications.
struct PairedDifference {
  std::string component, name, unit;
  double mean = 0, half_width = 0;  ///< case minus base
  double base_mean = 0;
  int n = 0;
};

struct CaseResult {
  ExperimentCase spec;
  std::vector<std::vector<KpiRow>> replications;  ///< KPI rows per completed replication
  std::vector<std::string> bottlenecks;           ///< bottleneck per replication
  std::vector<KpiSummary> summary;
  std::vector<PairedDifference> versus_base;  ///< empty for the base
  std::string error;                          ///< set when the case failed to compile or run
  /// The runs of its first ExperimentSpec::record_signals replications (fewer past the budget).
  std::vector<std::shared_ptr<const Sim>> recorded;
};

struct ExperimentResult {
  std::vector<CaseResult> cases;
  int replications_run = 0;
  bool complete = true;  ///< false when stopped early; results hold what finished
  double wall_time_s = 0;
  int threads = 1;
  /// What may make the comparison mean less than it seems ("case x changes nothing"), and
  /// every run warning (Sim::warn) of every replication, once each, prefixed with its case.
  std::vector<std::string> warnings;
};

/// Progress callback: (finished runs, total runs so far planned).
using ProgressFn = std::function<void(int done, int total)>;

/// Runs every case of `spec`. Thread count from OpenMP (OMP_NUM_THREADS).
ExperimentResult run_experiment(const Scenario& base, const ExperimentSpec& spec,
                                const Registry& registry, const std::atomic<bool>* stop = nullptr,
                                const ProgressFn& progress = {});

/// The smallest total buffer space that reaches the target throughput (mean over the
/// replications, on common random numbers). Searches totals 0, 1, 2, ... and, for each total,
/// every allocation of it over the buffers; the first total with an allocation that reaches
/// the target wins (ties go to the highest throughput). Exact for the estimated throughput.
struct BufferAllocationResult {
  bool found = false;
  std::vector<int> capacities;  ///< One per buffer in spec order.
  double throughput_per_h = 0;
  int evaluations = 0;
};
BufferAllocationResult allocate_buffers(const Scenario& base, const BufferAllocationSpec& spec,
                                        int replications, const Registry& registry,
                                        const std::atomic<bool>* stop = nullptr);

/// Writes an experiment to HDF5: /meta, /cases/<name>/summary, /cases/<name>/replications,
/// /cases/<name>/versus_base. Same rules as write_result_file (temporary name, renamed).
void write_experiment_file(const std::string& path, const Scenario& base,
                           const ExperimentSpec& spec, const ExperimentResult& result);
/// Writes one row per case: case, swept parameters, then <kpi> and <kpi>_hw for every KPI.
void write_experiment_csv(const std::string& path, const ExperimentSpec& spec,
                          const ExperimentResult& result);

}  // namespace plantwin
