#include "plantwin/io/opcua_feed.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

#include "plantwin/io/live_protocol.h"
#include "plantwin/io/live_publisher.h"
#include "plantwin/params.h"

#ifndef PLANTWIN_SOURCE_DIR
#define PLANTWIN_SOURCE_DIR ""
#endif

namespace plantwin::io {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxLineBytes = 64 * 1024;  // a bridge line longer than this: malformed
constexpr std::size_t kStderrTailBytes = 4096;
constexpr std::size_t kMaxDistinctWarnings = 1000;
constexpr auto kFramePeriod = std::chrono::milliseconds(100);
constexpr auto kExitWait = std::chrono::seconds(5);
constexpr auto kFinalFrameWait = std::chrono::seconds(1);

bool valid_endpoint(const std::string& s) {
  static const std::regex re(
      R"(^opc\.tcp://(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+)(:([0-9]{1,5}))?(/\S*)?$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return false;
  return !m[3].matched || std::stoi(m[3].str()) <= 65535;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_base64(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/' ||
         c == '=';
}

// The node id forms the bridge documents: [ns=N;](i=N | s=TEXT | g=GUID | b=BASE64).
bool valid_node_id(std::string_view s) {
  if (s.substr(0, 3) == "ns=") {
    const auto semi = s.find(';');
    if (semi == std::string_view::npos) return false;
    const std::string_view ns = s.substr(3, semi - 3);
    if (!all_of(ns, is_digit) || ns.size() > 5 || std::stol(std::string(ns)) > 65535) return false;
    s.remove_prefix(semi + 1);
  }
  if (s.size() < 3 || s[1] != '=') return false;
  const std::string_view v = s.substr(2);
  switch (s[0]) {
    case 'i':
      return all_of(v, is_digit) && v.size() <= 10 && std::stoull(std::string(v)) <= 4294967295ULL;
    case 's':
      return true;
    case 'g': {
      if (v.size() != 36) return false;
      for (std::size_t k = 0; k < v.size(); ++k) {
        const bool dash = k == 8 || k == 13 || k == 18 || k == 23;
        if (dash ? v[k] != '-' : !is_hex(v[k])) return false;
      }
      return true;
    }
    case 'b':
      return all_of(v, is_base64);
    default:
      return false;
  }
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto tab = line.find('\t');
    out.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) return out;
    line.remove_prefix(tab + 1);
  }
}

// A whole field as a double ("nan" included); false when it is not one.
bool parse_number(std::string_view field, double* out) {
  if (field.empty() || field.size() > 64) return false;
  const std::string s(field);
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno != ERANGE;
}

std::string find_node_executable() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (const char* name : {"node", "nodejs"}) {
    std::string_view rest = dirs;
    for (;;) {
      const auto colon = rest.find(':');
      const std::string dir(rest.substr(0, colon));
      const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  throw std::runtime_error(
      "Node.js is not installed: no \"node\" on PATH (scripts/setup.sh installs it)");
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

OpcuaFeedConfig parse_opcua_feed(const Node& node, const std::string& path, Diagnostics& diag,
                                 const std::string& base_dir, const Model* model) {
  OpcuaFeedConfig c;
  const auto dot = path.rfind('.');
  c.name = path.empty() ? "opcua" : dot == std::string::npos ? path : path.substr(dot + 1);
  if (!node.is_map()) {
    diag.error(node.location, path,
               fmt::format("expected a map of OPC UA settings (endpoint, nodes, serve ...), got {}",
                           node.kind_phrase()));
    return c;
  }
  ParamReader r(node, path, diag, base_dir);
  if (const std::string type = r.text("type", "opcua"); type != "opcua")
    r.error("type", fmt::format("expected \"opcua\", got \"{}\"", escape_control(type)));
  r.allow("endpoint");  // read below when there are nodes; known either way
  const Node* nodes = r.raw("nodes");
  const Node* serve = r.raw("serve");
  c.serve = serve && !serve->is_null();
  const bool has_nodes = nodes && !nodes->is_null();
  if (r.has("endpoint") || has_nodes) {
    c.endpoint = r.text("endpoint", std::nullopt);
    if (r.has("endpoint") && !valid_endpoint(c.endpoint))
      r.error("endpoint",
              fmt::format("expected an OPC UA endpoint such as \"opc.tcp://127.0.0.1:4840\" "
                          "(opc.tcp://HOST[:PORT][/PATH]), got \"{}\"",
                          escape_control(c.endpoint)));
  }
  if (!has_nodes) {
    if (!c.serve)
      r.error("nodes",
              "is required (a list of {node: ..., target: ...}) unless the feed only serves the "
              "twin (serve:)");
  } else if (!nodes->is_seq() || nodes->items.empty()) {
    r.error("nodes", fmt::format("expected a non-empty list of {{node: ..., target: ...}}, got {}",
                                 nodes->is_seq() ? "an empty list" : nodes->kind_phrase()));
  } else {
    std::unordered_map<std::string, std::size_t> targets;
    for (std::size_t i = 0; i < nodes->items.size(); ++i) {
      const Node& item = nodes->items[i];
      const std::string item_path = fmt::format("{}[{}]", r.key_path("nodes"), i);
      if (!item.is_map()) {
        diag.error(item.location, item_path,
                   fmt::format("expected a map (node, target, kind, sampling, min, max), got {}",
                               item.kind_phrase()));
        continue;
      }
      ParamReader p(item, item_path, diag);
      OpcuaNodeMapping m;
      m.node = p.text("node", std::nullopt);
      if (p.has("node") && !valid_node_id(m.node))
        p.error("node",
                fmt::format("expected an OPC UA node id such as \"ns=1;s=Press2.Temperature\""
                            " or \"i=2258\" ([ns=N;]i=N, s=TEXT, g=GUID or b=BASE64), "
                            "got \"{}\"",
                            escape_control(m.node)));
      m.target = p.text("target", std::nullopt);
      if (p.has("target")) {
        if (m.target.empty() || m.target.find_first_of("{}\t\n\r") != std::string::npos) {
          p.error("target", fmt::format("expected a signal or actuator name such as "
                                        "\"press2.temperature\", got \"{}\"",
                                        escape_control(m.target)));
        } else if (auto [it, fresh] = targets.emplace(m.target, i); !fresh) {
          p.error("target", fmt::format("\"{}\" is already the target of nodes[{}]",
                                        escape_control(m.target), it->second));
        }
      }
      m.kind = p.choice("kind", {"measure", "set"}, "measure") == "set"
                   ? FeedSample::Kind::kSet
                   : FeedSample::Kind::kMeasure;
      m.sampling_ms = p.quantity("sampling", Dimension::kTime, 0.1, 0, 3600) * 1000;
      m.min = p.real("min", -HUGE_VAL);
      m.max = p.real("max", HUGE_VAL);
      if (m.min > m.max) p.error("max", fmt::format("must be at least min ({})", m.min));
      p.finish();
      c.mappings.push_back(std::move(m));
    }
  }
  if (c.serve) {
    if (!serve->is_map()) {
      r.error("serve", fmt::format("expected a map (port, host), got {}", serve->kind_phrase()));
    } else {
      ParamReader s(*serve, r.key_path("serve"), diag);
      c.serve_port = static_cast<int>(s.integer("port", 4840, 0, 65535));
      c.serve_host = s.text("host", "127.0.0.1");
      if (c.serve_host.empty() || c.serve_host.find_first_of(" \t\r\n/") != std::string::npos)
        s.error("host", fmt::format("expected a host name or IP address, got \"{}\"",
                                    escape_control(c.serve_host)));
      s.finish();
      if (model) {
        try {
          (void)format_hello(LivePublisher::describe(*model));
        } catch (const std::length_error& e) {
          r.error("serve", fmt::format("the plant is too large to serve: {}", e.what()));
        }
      }
    }
  }
  c.pki_dir = r.text("pki_dir", "");
  if (!c.pki_dir.empty() && fs::path(c.pki_dir).is_relative())
    c.pki_dir = (fs::path(base_dir) / c.pki_dir).lexically_normal().string();
  r.finish();
  return c;
}

std::string opcua_bridge_config_json(const OpcuaFeedConfig& c) {
  std::string out = "{\n  \"serve\": ";
  if (c.serve)
    out += fmt::format("{{\"host\": {}, \"port\": {}}}", json_quote(c.serve_host), c.serve_port);
  else
    out += "null";
  out += ",\n  \"subscribe\": [";
  for (std::size_t i = 0; i < c.mappings.size(); ++i) {
    const auto& m = c.mappings[i];
    out += fmt::format(
        "{}\n    {{\"endpoint\": {}, \"node\": {}, \"target\": {}, \"sampling_ms\": {}}}",
        i ? "," : "", json_quote(c.endpoint), json_quote(m.node), json_quote(m.target),
        m.sampling_ms);
  }
  out += c.mappings.empty() ? "]" : "\n  ]";
  out += fmt::format(",\n  \"pki_dir\": {}\n}}\n",
                     c.pki_dir.empty() ? std::string("null") : json_quote(c.pki_dir));
  return out;
}

std::string find_opcua_bridge() {
  if (const char* env = std::getenv("PLANTWIN_OPCUA_BRIDGE"); env && *env) {
    if (fs::is_regular_file(env)) return env;
    throw std::runtime_error(
        fmt::format("PLANTWIN_OPCUA_BRIDGE={}: no such file", escape_control(env)));
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path() / "../share/plantwin/opcua/bridge.js");
  if (*PLANTWIN_SOURCE_DIR)
    candidates.push_back(fs::path(PLANTWIN_SOURCE_DIR) / "bridge/opcua/bridge.js");
  for (const auto& c : candidates) {
    if (!fs::is_regular_file(c)) continue;
    if (!fs::is_directory(c.parent_path() / "node_modules"))
      throw std::runtime_error(fmt::format(
          "the OPC UA bridge {} has no node_modules next to it: run scripts/setup.sh (npm ci "
          "in bridge/opcua)",
          c.lexically_normal().string()));
    return c.lexically_normal().string();
  }
  std::string looked;
  for (const auto& c : candidates)
    looked += (looked.empty() ? "" : ", ") + c.lexically_normal().string();
  throw std::runtime_error(fmt::format(
      "no OPC UA bridge (bridge.js): looked at {}; set PLANTWIN_OPCUA_BRIDGE to its path", looked));
}

OpcuaFeed::OpcuaFeed(OpcuaFeedConfig config, const Model& model) : config_(std::move(config)) {
  for (std::size_t i = 0; i < config_.mappings.size(); ++i)
    by_target_.emplace(config_.mappings[i].target, i);
  newest_time_.assign(config_.mappings.size(), -HUGE_VAL);
  if (config_.serve) {
    greeting_ = format_hello(LivePublisher::describe(model));
    for (const auto& s : model.signals()) signal_names_.push_back(s.name);
  }
}

OpcuaFeed::~OpcuaFeed() {
  stop();
}

void OpcuaFeed::start(Sink sink) {
  {
    std::lock_guard lock(mutex_);
    if (pid_ > 0 || reader_.joinable()) throw std::logic_error("OpcuaFeed::start: already started");
  }
  sink_ = std::move(sink);
  std::string bridge, node;
  try {
    bridge = find_opcua_bridge();
    node = find_node_executable();
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("feed {} (opcua): {}", config_.name, e.what()));
  }

  // The CONFIG, private to this user, removed once the bridge has read it (or at stop()).
  std::string file =
      (fs::temp_directory_path() / fmt::format("plantwin-opcua-{}-XXXXXX.json", config_.name))
          .string();
  const int fd = ::mkstemps(file.data(), 5);
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("cannot write the OPC UA bridge's CONFIG {}: {}", file, std::strerror(errno)));
  const std::string json = opcua_bridge_config_json(config_);
  const bool written = ::write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size());
  ::close(fd);
  if (!written) {
    ::unlink(file.c_str());
    throw std::runtime_error(fmt::format("cannot write the OPC UA bridge's CONFIG {}", file));
  }

  int in[2], out[2], err[2], exec_fail[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(exec_fail, O_CLOEXEC) != 0) {
    ::unlink(file.c_str());
    throw std::runtime_error(
        fmt::format("cannot start the OPC UA bridge: pipe: {}", std::strerror(errno)));
  }
  std::vector<char*> argv = {const_cast<char*>(node.c_str()), const_cast<char*>(bridge.c_str()),
                             file.data(), nullptr};
  const pid_t parent = ::getpid();
  // No signal handler may run in the child before exec.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    const int keep = exec_fail[1];
    // Leave none of plantwin's descriptors (sockets, files) open in node.
    for (int f = 3; f < 1024; ++f)
      if (f != keep) ::close(f);
#ifdef SYS_close_range
    ::syscall(SYS_close_range, 1024U, ~0U, 0U);
#endif
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    const int e = errno;
    (void)!::write(keep, &e, sizeof e);
    ::_exit(127);
  }
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(exec_fail[1]);
  if (pid < 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    ::close(exec_fail[0]);
    ::unlink(file.c_str());
    throw std::runtime_error(
        fmt::format("cannot start the OPC UA bridge: fork: {}", std::strerror(fork_errno)));
  }
  int exec_errno = 0;
  ssize_t n;
  do n = ::read(exec_fail[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  ::close(exec_fail[0]);
  if (n > 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    ::waitpid(pid, nullptr, 0);
    ::unlink(file.c_str());
    throw std::runtime_error(fmt::format("feed {} (opcua): cannot start the OPC UA bridge: {}: {}",
                                         config_.name, node, std::strerror(exec_errno)));
  }
  set_nonblocking(in[1]);
  {
    std::lock_guard lock(mutex_);
    pid_ = pid;
    config_file_ = file;
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    writer_stop_ = false;
  }
  stopping_.store(false);
  reader_quit_.store(false);
  reader_done_.store(false);
  reader_ = std::thread([this] { read_loop(); });
  if (config_.serve) writer_ = std::thread([this] { write_loop(); });
}

Runner::Observer OpcuaFeed::observer() {
  if (!config_.serve) return [](const Sim&, bool) {};
  return [this](const Sim& sim, bool final) { publish(sim, final); };
}

void OpcuaFeed::publish(const Sim& sim, bool final) {
  {
    std::lock_guard lock(mutex_);
    if (frame_pending_) ++frames_dropped_;
    frame_time_ = sim.now();
    frame_complete_ = final;
    frame_values_.resize(signal_names_.size());
    for (std::size_t i = 0; i < frame_values_.size(); ++i)
      frame_values_[i] = sim.signal(static_cast<int>(i));
    frame_pending_ = true;
    have_frame_ = true;
  }
  wake_writer_.notify_one();
}

void OpcuaFeed::write_loop() {
  // A bridge that is gone makes write() fail with EPIPE; SIGPIPE, blocked in this thread only,
  // is taken back below so that it never reaches the process.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  std::string out = greeting_;
  std::size_t off = 0;
  std::vector<double> values;
  Clock::time_point give_up = Clock::time_point::max();
  bool last = false;
  for (;;) {
    if (off < out.size()) {
      if (stopping_.load() && give_up == Clock::time_point::max())
        give_up = Clock::now() + kFinalFrameWait;
      if (Clock::now() > give_up) return;
      pollfd p{stdin_fd_, POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::write(stdin_fd_, out.data() + off, out.size() - off);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        if (off == out.size() && last) return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      const timespec zero{0, 0};
      sigtimedwait(&pipe_set, nullptr, &zero);
      return;  // the bridge closed its stdin: it is ending
    }
    double time = 0;
    bool complete = false;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (writer_stop_ && !frame_pending_) return;
        const auto due = last_frame_ + kFramePeriod;
        if (frame_pending_ && (writer_stop_ || Clock::now() >= due)) break;
        if (frame_pending_)
          wake_writer_.wait_until(lock, due);
        else
          wake_writer_.wait(lock);
      }
      values = frame_values_;
      time = frame_time_;
      complete = frame_complete_;
      frame_pending_ = false;
      last_frame_ = Clock::now();
      if (writer_stop_) {
        last = true;
        give_up = last_frame_ + kFinalFrameWait;
      }
    }
    out.clear();
    off = 0;
    append_reply(out, time, complete, values, {});
    ++frames_sent_;
  }
}

void OpcuaFeed::read_loop() {
  std::string line, errbuf;
  bool out_open = true, err_open = true, overlong = false;
  char buf[16384];
  while (out_open || err_open) {
    if (reader_quit_.load()) break;
    pollfd p[2] = {{out_open ? stdout_fd_ : -1, POLLIN, 0},
                   {err_open ? stderr_fd_ : -1, POLLIN, 0}};
    if (::poll(p, 2, 100) <= 0) continue;
    if (out_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        out_open = false;
      } else if (n > 0) {
        std::string_view chunk(buf, static_cast<std::size_t>(n));
        while (!chunk.empty()) {
          const auto nl = chunk.find('\n');
          const std::string_view part = chunk.substr(0, nl);
          if (!overlong) {
            if (line.size() + part.size() > kMaxLineBytes) {
              overlong = true;
              line.clear();
            } else {
              line.append(part);
            }
          }
          if (nl == std::string_view::npos) break;
          if (overlong) {
            ++counters_.received;
            ++counters_.malformed;
            overlong = false;
          } else {
            handle_line(line);
          }
          line.clear();
          chunk.remove_prefix(nl + 1);
        }
      }
    }
    if (err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::read(stderr_fd_, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        err_open = false;
      } else if (n > 0) {
        errbuf.append(buf, static_cast<std::size_t>(n));
        if (errbuf.size() > kStderrTailBytes) errbuf.erase(0, errbuf.size() - kStderrTailBytes);
        std::lock_guard lock(mutex_);
        stderr_tail_ = errbuf;
      }
    }
  }
  connected_.store(false);
  // The bridge closed its output: it is ending. Reap it here when it ends on its own, so that
  // no zombie waits for the end of the run.
  const auto deadline = Clock::now() + kExitWait;
  while (!stopping_.load() && !try_reap(false) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  reader_done_.store(true);
}

void OpcuaFeed::handle_line(std::string_view line) {
  const auto f = split_tabs(line);
  const std::string_view kind = f[0];
  auto malformed = [&] {
    ++counters_.received;
    ++counters_.malformed;
  };
  if (kind == "value") {
    double value = 0, time = 0;
    if (f.size() != 4 || !parse_number(f[2], &value) || !parse_number(f[3], &time) ||
        !std::isfinite(time)) {
      malformed();
      return;
    }
    ++counters_.received;
    const auto it = by_target_.find(unescape_live_text(f[1]));
    if (it == by_target_.end()) {
      ++counters_.unknown;
      return;
    }
    const OpcuaNodeMapping& m = config_.mappings[it->second];
    if (!std::isfinite(value)) {  // a Bad status: no value to apply
      ++counters_.malformed;
      return;
    }
    if (value < m.min || value > m.max) {
      ++counters_.out_of_range;
      return;
    }
    double& newest = newest_time_[it->second];
    if (time < newest) ++counters_.late;
    newest = std::max(newest, time);
    FeedSample s;
    s.target = m.target;
    s.value = value;
    s.source_time = time;
    s.arrival_time = unix_now();
    s.kind = m.kind;
    s.feed = config_.name;
    if (sink_) sink_(std::move(s));
    ++counters_.applied;
  } else if (kind == "status") {
    if (f.size() < 3) {
      malformed();
      return;
    }
    const std::string endpoint = escape_control(unescape_live_text(f[1]));
    const std::string detail = f.size() > 3 ? escape_control(unescape_live_text(f[3])) : "";
    if (f[2] == "connected") {
      if (ever_connected_ && lost_since_) ++counters_.reconnects;
      ever_connected_ = true;
      lost_since_ = false;
      connected_.store(true);
      if (!config_.quiet)
        fmt::print(stderr, "feed {} (opcua): connected to {}{}\n", config_.name, endpoint,
                   detail.empty() ? "" : " (" + detail + ")");
    } else if (f[2] == "disconnected" || f[2] == "reconnecting") {
      if (connected_.exchange(false) && !config_.quiet)
        fmt::print(stderr, "feed {} (opcua): lost {}{}; reconnecting\n", config_.name, endpoint,
                   detail.empty() ? "" : " (" + detail + ")");
      if (ever_connected_) lost_since_ = true;
    } else {
      malformed();
    }
  } else if (kind == "ready") {
    if (f.size() != 2) {
      malformed();
      return;
    }
    ready_.store(true);
    if (config_.mappings.empty()) connected_.store(true);
    std::string url = unescape_live_text(f[1]);
    {
      std::lock_guard lock(mutex_);
      // The bridge has read its CONFIG before it says ready.
      if (!config_file_.empty()) ::unlink(config_file_.c_str());
      config_file_.clear();
      if (url != "-") url_ = url;
    }
    if (url != "-" && !config_.quiet)
      fmt::print(stderr, "feed {} (opcua): serving the twin at {}\n", config_.name,
                 escape_control(url));
  } else if (kind == "warning") {
    if (f.size() < 2) {
      malformed();
      return;
    }
    const std::string text = escape_control(unescape_live_text(line.substr(8)));
    if (warned_.size() < kMaxDistinctWarnings && warned_.insert(text).second)
      fmt::print(stderr, "feed {} (opcua): warning: {}\n", config_.name, text);
  } else if (kind == "error") {
    const std::string text =
        escape_control(unescape_live_text(line.size() > 6 ? line.substr(6) : ""));
    {
      std::lock_guard lock(mutex_);
      error_ = text;
    }
    connected_.store(false);
    fmt::print(stderr, "feed {} (opcua): the OPC UA bridge stopped: {}\n", config_.name, text);
  } else {
    malformed();
  }
}

bool OpcuaFeed::try_reap(bool wait) {
  std::lock_guard lock(mutex_);
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, wait ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  pid_ = -1;
  if (r < 0) return true;  // not our child any more (ECHILD): nothing to wait for
  if (stopping_.load() || !error_.empty()) return true;
  // The bridge ended on its own, without an error line.
  std::string how;
  if (WIFEXITED(status))
    how = fmt::format("exit code {}", WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    how = fmt::format("signal {}", WTERMSIG(status));
  error_ = fmt::format("the OPC UA bridge ended ({})", how);
  const bool quiet_end = WIFEXITED(status) && WEXITSTATUS(status) == 0;  // SIGINT from a terminal
  if (!quiet_end)
    fmt::print(stderr, "feed {} (opcua): {}{}\n", config_.name, error_,
               stderr_tail_.empty() ? "" : "; its last output:\n" + escape_control(stderr_tail_));
  return true;
}

void OpcuaFeed::close_stdin() {
  std::lock_guard lock(mutex_);
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

void OpcuaFeed::stop() {
  if (!reader_.joinable() && !writer_.joinable()) {
    std::lock_guard lock(mutex_);
    if (pid_ <= 0) return;
  }
  stopping_.store(true);
  if (writer_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      writer_stop_ = true;
      // The run is over: the last state again, as complete.
      if (have_frame_) {
        frame_pending_ = true;
        frame_complete_ = true;
      }
    }
    wake_writer_.notify_all();
    writer_.join();
  }
  close_stdin();
  auto deadline = Clock::now() + kExitWait;
  bool gone = try_reap(false);
  while (!gone && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gone = try_reap(false);
  }
  if (!gone) {
    {
      std::lock_guard lock(mutex_);
      if (pid_ > 0) ::kill(pid_, SIGTERM);
    }
    deadline = Clock::now() + std::chrono::seconds(1);
    while (!(gone = try_reap(false)) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!gone) {
      {
        std::lock_guard lock(mutex_);
        if (pid_ > 0) ::kill(pid_, SIGKILL);
      }
      try_reap(true);
    }
  }
  if (reader_.joinable()) {
    // Let it read what the bridge wrote last (its warnings), then end it.
    deadline = Clock::now() + std::chrono::seconds(1);
    while (!reader_done_.load() && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    reader_quit_.store(true);
    reader_.join();
  }
  std::lock_guard lock(mutex_);
  for (int* fd : {&stdout_fd_, &stderr_fd_})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
  if (!config_file_.empty()) ::unlink(config_file_.c_str());
  config_file_.clear();
  connected_.store(false);
}

std::string OpcuaFeed::server_url() const {
  std::lock_guard lock(mutex_);
  return url_;
}

std::string OpcuaFeed::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace plantwin::io
