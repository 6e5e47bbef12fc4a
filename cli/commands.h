#pragma once

/// The bodies of plantwin's commands. Each prints its results and errors and returns the
/// process's exit code: kExitOk, kExitRunFailure (a failed or interrupted run, --strict
/// warnings, an output that could not be written) or kExitBadInput.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plantwin {
class Model;
struct ExpectationOutcome;
}  // namespace plantwin

namespace plantwin::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailure = 1;
inline constexpr int kExitBadInput = 2;

/// `plantwin run FILE` (a single run; see SweepOptions for --replications).
struct RunOptions {
  std::string file;
  std::vector<std::string> sets;  ///< --set key.path=value, in order
  std::optional<std::uint64_t> seed;
  std::string until;        ///< a duration; empty: the scenario's horizon
  std::string output;       ///< HDF5 result file
  std::string json;         ///< KPI JSON file
  std::string inputs_file;  ///< a result file whose /inputs are re-applied
  bool quiet = false, strict = false;
  int serve_port = 0;     ///< 0: no live server
  double pace = 0;        ///< simulated seconds per wall second; 0: as fast as possible
  bool live = false;      ///< connect the scenario's live feeds (pace 1 unless --realtime)
  bool forecast = false;  ///< at the end, fork the state and run the scenario's forecast
  int replications = 0;
};

/// `plantwin sweep FILE`, and `plantwin run FILE --replications N` (`base_only`: the base case
/// alone, no buffer allocation).
struct SweepOptions {
  std::string file;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  int replications = 0;  ///< 0: the scenario's
  bool base_only = false;
  std::string output, csv;
  bool quiet = false, strict = false;
  /// Keep replication 0's signals of every case in the file (the scenario's
  /// `experiments.record_signals`, when it asks for more, wins).
  bool record_signals = false;
};

/// `plantwin replay RESULT_FILE`.
struct ReplayOptions {
  std::string file, output, json;
  bool quiet = false;
  bool check = false;  ///< exit 1 unless every KPI equals the recorded one to the bit
};

/// `plantwin test FILE`: the scenario's expectations, judged (exit 0 pass, 1 fail, 2 bad suite).
struct TestOptions {
  std::string file;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  int replications = 1;
  std::string junit;  ///< JUnit XML report
  bool quiet = false;
};

/// `plantwin serve-modbus FILE --map io.yaml`: the plant's I/O as a Modbus TCP server.
struct ServeModbusOptions {
  std::string file, map, output;
  std::vector<std::string> sets;
  int port = 502;
  std::string host = "127.0.0.1";
  bool lockstep = false;
  std::string scan = "100 ms";  ///< lock-step: simulated time per handshake
  double pace = 1;              ///< paced: simulated seconds per wall second
  bool test = false;            ///< judge the scenario's expectations (exit 1 when one fails)
  std::string junit;            ///< with `test`: JUnit XML report
};

int run_command(const RunOptions& opts);
/// Prints the verdict on a run's expectations as `plantwin test` does (and writes `junit`, JUnit
/// XML, unless empty); returns kExitOk when every expectation passed, else kExitRunFailure.
int report_verdict(std::string_view command, const std::string& file, const Model& model,
                   int replications, const std::vector<ExpectationOutcome>& verdict, double wall,
                   bool quiet, const std::string& junit);
int serve_modbus_command(const ServeModbusOptions& opts);
int test_command(const TestOptions& opts);
int sweep_command(const SweepOptions& opts);
int replay_command(const ReplayOptions& opts);
/// Checks every file (and every experiment case in it), printing every error of every file.
int validate_command(const std::vector<std::string>& files, const std::vector<std::string>& sets);
int info_command(const std::string& result_file);

}  // namespace plantwin::cli
