#pragma once
/// LivePublisher: serves a run's state through a LiveServer as a Runner observer, so that a front
/// end only creates the server and the publisher and adds the observer:
///
///     io::LiveServer server(port, io::LivePublisher::describe(model));
///     io::LivePublisher publisher(server);
///     runner.add_observer(publisher.observer());

#include <chrono>
#include <cstddef>

#include "plantwin/io/live_protocol.h"
#include "plantwin/io/live_server.h"
#include "plantwin/model.h"
#include "plantwin/runner.h"
#include "plantwin/sim.h"

namespace plantwin::io {

class LivePublisher {
 public:
  /// Publishes through `server`, which must outlive the publisher.
  explicit LivePublisher(LiveServer& server) : server_(server) {}

  /// The plant as the live protocol describes it: the model's name, its components with their
  /// types, positions and display capacities, its links, its signals with their units.
  static LivePlant describe(const Model& model);
  /// The least wall time between two KPI tables published while the run goes on.
  static constexpr double kKpiPeriodS = 0.5;

  /// Publishes the Sim's time, status (complete when `final`), signal values and the events
  /// logged since the last call, and the KPI table so far: at the first call, at the final one
  /// and otherwise at most every kKpiPeriodS of wall time (a KPI table costs a pass over the
  /// plant's statistics). Call it on the run's thread.
  void publish(const Sim& sim, bool final);
  /// publish() as a Runner observer; the publisher must outlive the Runner's run.
  Runner::Observer observer() {
    return [this](const Sim& sim, bool final) { publish(sim, final); };
  }

 private:
  LiveServer& server_;
  LiveSnapshot snapshot_;
  std::size_t events_published_ = 0;
  std::chrono::steady_clock::time_point last_kpis_{};
  bool kpis_published_ = false;
};

}  // namespace plantwin::io
