// 10-machine tandem line: exponential processing times (mean 1 s), buffers of 10 between
// machines, endless supply, statistics on, recording off. Prints machine completions per second
// of wall time, for plantwin and for a hand-written event loop doing the same work (issue 11:
// the target is plantwin at >= 0.8 of that loop), alternating the two five times.
//
// The hand-written loop is what a careful programmer writes for this one model: a binary heap
// of (time, sequence, handler, argument), a function pointer per event, one std::mt19937_64 per
// machine, exponential times, blocking after service, and the statistics plantwin reports for
// it (each machine's completions and working / starved / blocked time, each buffer's
// time-weighted level, the line's WIP and lead time).
// Usage: bench_tandem [horizon_s] [rounds]
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "plantwin/models/register.h"
#include "plantwin/sim.h"

using namespace plantwin;

namespace {

constexpr int kMachines = 10;
constexpr int kBufferCapacity = 10;

struct Result {
  double completions = 0;
  double wall_s = 0;
  double throughput_per_s = 0;  // parts out of the line per simulated second
  double rate() const { return completions / wall_s; }
};

Result run_plantwin(double horizon) {
  std::string yaml =
      fmt::format("horizon: {} s\ncomponents:\n  supply: {{type: source}}\n", horizon);
  std::string flow = "supply";
  for (int i = 0; i < kMachines; ++i) {
    yaml += fmt::format("  m{}: {{type: machine, process_time: exponential(1 s)}}\n", i);
    flow += fmt::format(" -> m{}", i);
    if (i < kMachines - 1) {
      yaml += fmt::format("  b{}: {{type: buffer, capacity: {}}}\n", i, kBufferCapacity);
      flow += fmt::format(" -> b{}", i);
    }
  }
  yaml += "  out: {type: sink}\nflow: [\"" + flow + " -> out\"]\nrecord: {period: 0 s}\n";
  const Registry registry = builtin_registry();
  auto model = compile(load_scenario_text(yaml, "tandem"), registry);
  Sim sim(model);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run();
  Result r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& k : sim.kpis()) {
    if (k.name == "completed") r.completions += k.value;
    if (k.component == "line" && k.name == "throughput") r.throughput_per_s = k.value / 3600;
  }
  return r;
}

// ---- The hand-written loop ---------------------------------------------------------------

class HandLoop {
 public:
  using Handler = void (*)(HandLoop&, std::int64_t);

  explicit HandLoop(std::uint64_t seed) {
    for (int i = 0; i < kMachines; ++i) machines_[i].rng.seed(seed + 7919 * (i + 1));
    heap_.reserve(64);
  }

  Result run(double horizon) {
    const auto t0 = std::chrono::steady_clock::now();
    pull(0);
    while (!heap_.empty() && heap_[0].time <= horizon) {
      const Ev ev = pop();
      now_ = ev.time;
      ev.handler(*this, ev.arg);
    }
    now_ = horizon;
    Result r;
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& m : machines_) {
      touch(m);
      r.completions += static_cast<double>(m.completed);
    }
    r.throughput_per_s = static_cast<double>(exits_) / horizon;
    // Keep the statistics alive: the loop must not be cheaper than plantwin by computing less.
    double sink = wip_.mean(now_) + lead_sum_;
    for (auto& b : buffers_) sink += b.level.mean(now_);
    for (auto& m : machines_) sink += m.acc[0] + m.acc[1] + m.acc[2];
    if (!std::isfinite(sink)) std::puts("non-finite statistics");
    return r;
  }

 private:
  struct Ev {
    double time;
    std::uint64_t seq;
    Handler handler;
    std::int64_t arg;
  };
  static bool before(const Ev& a, const Ev& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  void schedule(double time, Handler h, std::int64_t arg) {
    heap_.push_back(Ev{time, seq_++, h, arg});
    std::size_t pos = heap_.size() - 1;
    const Ev e = heap_[pos];
    while (pos > 0) {
      const std::size_t parent = (pos - 1) / 2;
      if (!before(e, heap_[parent])) break;
      heap_[pos] = heap_[parent];
      pos = parent;
    }
    heap_[pos] = e;
  }
  Ev pop() {
    const Ev top = heap_[0];
    const Ev last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n > 0) {
      std::size_t pos = 0;
      for (;;) {
        std::size_t child = 2 * pos + 1;
        if (child >= n) break;
        if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
        if (!before(heap_[child], last)) break;
        heap_[pos] = heap_[child];
        pos = child;
      }
      heap_[pos] = last;
    }
    return top;
  }

  struct TimeWeighted {
    double value = 0, last = 0, integral = 0;
    void update(double t, double v) {
      integral += value * (t - last);
      last = t;
      value = v;
    }
    double mean(double t) const { return t > 0 ? (integral + value * (t - last)) / t : 0; }
  };
  enum Phase { kWorking, kStarved, kBlocked };
  struct Machine {
    Phase phase = kStarved;
    double part_created = 0;
    double last = 0;
    double acc[3] = {0, 0, 0};
    std::int64_t completed = 0;
    std::mt19937_64 rng;
    std::exponential_distribution<double> process{1.0};
  };
  struct Buffer {
    std::array<double, kBufferCapacity> parts{};  // creation times, a ring
    int head = 0, count = 0;
    TimeWeighted level;
    void push(double created) {
      parts[static_cast<std::size_t>((head + count) % kBufferCapacity)] = created;
      ++count;
    }
    double pop() {
      const double c = parts[static_cast<std::size_t>(head)];
      head = (head + 1) % kBufferCapacity;
      --count;
      return c;
    }
  };

  void touch(Machine& m) {
    m.acc[m.phase] += now_ - m.last;
    m.last = now_;
  }
  void start(int i, double created) {
    Machine& m = machines_[i];
    touch(m);
    m.phase = kWorking;
    m.part_created = created;
    schedule(now_ + m.process(m.rng), &HandLoop::on_done, i);
  }
  // Machine i is idle: it takes the next part from upstream, and the room that frees runs up
  // the line (a blocked machine puts its part down and takes the next one).
  void pull(int i) {
    for (;;) {
      if (i == 0) {
        ++live_;
        wip_.update(now_, static_cast<double>(live_));
        start(0, now_);
        return;
      }
      Buffer& b = buffers_[i - 1];
      if (b.count == 0) return;
      start(i, b.pop());
      Machine& up = machines_[i - 1];
      if (up.phase != kBlocked) {
        b.level.update(now_, b.count);
        return;
      }
      touch(up);
      up.phase = kStarved;
      b.push(up.part_created);
      b.level.update(now_, b.count);
      --i;
    }
  }
  static void on_done(HandLoop& loop, std::int64_t arg) { loop.done(static_cast<int>(arg)); }
  void done(int i) {
    Machine& m = machines_[i];
    ++m.completed;
    touch(m);
    if (i == kMachines - 1) {
      ++exits_;
      lead_sum_ += now_ - m.part_created;
      --live_;
      wip_.update(now_, static_cast<double>(live_));
    } else {
      Machine& next = machines_[i + 1];
      Buffer& b = buffers_[i];
      if (b.count == 0 && next.phase == kStarved) {
        start(i + 1, m.part_created);
      } else if (b.count < kBufferCapacity) {
        b.push(m.part_created);
        b.level.update(now_, b.count);
      } else {
        m.phase = kBlocked;
        return;
      }
    }
    m.phase = kStarved;
    pull(i);
  }

  std::vector<Ev> heap_;
  std::uint64_t seq_ = 0;
  double now_ = 0;
  std::array<Machine, kMachines> machines_;
  std::array<Buffer, kMachines - 1> buffers_;
  std::int64_t live_ = 0, exits_ = 0;
  TimeWeighted wip_;
  double lead_sum_ = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  const double horizon = argc > 1 ? std::stod(argv[1]) : 2'000'000.0;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  std::vector<double> pw, hand, ratio;
  Result last_pw, last_hand;
  fmt::print("machines: {}\nsimulated_s: {:.0f}\n", kMachines, horizon);
  fmt::print("{:>5} {:>22} {:>22} {:>7}\n", "round", "plantwin completions/s",
             "hand loop completions/s", "ratio");
  for (int r = 0; r < rounds; ++r) {
    last_pw = run_plantwin(horizon);
    last_hand = HandLoop(42 + static_cast<std::uint64_t>(r)).run(horizon);
    pw.push_back(last_pw.rate());
    hand.push_back(last_hand.rate());
    ratio.push_back(last_pw.rate() / last_hand.rate());
    fmt::print("{:>5} {:>22.0f} {:>22.0f} {:>7.3f}\n", r + 1, pw.back(), hand.back(), ratio.back());
  }
  fmt::print("completions: {:.0f} (plantwin), {:.0f} (hand loop)\n", last_pw.completions,
             last_hand.completions);
  fmt::print("line_throughput_per_s: {:.4f} (plantwin), {:.4f} (hand loop)\n",
             last_pw.throughput_per_s, last_hand.throughput_per_s);
  fmt::print("wall_s: {:.3f}\n", last_pw.wall_s);
  fmt::print("completions_per_s: {:.0f}\n", median(pw));
  fmt::print("hand_loop_completions_per_s: {:.0f}\n", median(hand));
  fmt::print("ratio_median: {:.3f} (median of the per-round ratios; target >= 0.8)\n",
             median(ratio));
}
