#pragma once
// A real mosquitto broker on a free loopback port, and mosquitto_pub / mosquitto_sub as
// separate processes, for the MQTT tests and benchmark. Every wait is bounded; the broker is
// stopped by the destructor, so none is left running.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace plantwin::test {

/// Polls `done` every 2 ms until it is true or `timeout_s` passed; returns its last value.
inline bool wait_until(const std::function<bool()>& done, double timeout_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

/// A loopback port nobody listens on right now.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("free_port: cannot bind a loopback socket");
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// The first of `names` found as an executable in PATH, /usr/sbin or /usr/bin, or "".
inline std::string find_program(const std::string& name) {
  std::vector<std::string> dirs = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (std::size_t start = 0;;) {
      const auto colon = p.find(':', start);
      dirs.insert(dirs.begin(), p.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  for (const auto& d : dirs) {
    const std::string f = d + "/" + name;
    if (::access(f.c_str(), X_OK) == 0) return f;
  }
  return "";
}

/// A child process with stdin and stdout (with stderr) optionally redirected to files.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& stdin_file = "",
          const std::string& stdout_file = "") {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!stdin_file.empty())
      posix_spawn_file_actions_addopen(&fa, 0, stdin_file.c_str(), O_RDONLY, 0);
    if (!stdout_file.empty())
      posix_spawn_file_actions_addopen(&fa, 1, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                       0644);
    if (!stdout_file.empty()) posix_spawn_file_actions_adddup2(&fa, 1, 2);  // stderr too
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  ~Process() { kill(SIGKILL); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  /// Waits at most `timeout_s`; returns the exit code, or -1 (and kills it) on a timeout.
  int wait(double timeout_s) {
    if (pid_ <= 0) return status_;
    int st = 0;
    const bool done = wait_until(
        [&] {
          const pid_t r = ::waitpid(pid_, &st, WNOHANG);
          return r == pid_;
        },
        timeout_s);
    if (!done) {
      kill(SIGKILL);
      return -1;
    }
    pid_ = 0;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
  }
  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int st = 0;
    // A killed broker or client ends at once; bounded all the same.
    wait_until([&] { return ::waitpid(pid_, &st, WNOHANG) == pid_; }, 5);
    pid_ = 0;
  }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = 0;
  int status_ = -1;
};

/// mosquitto on 127.0.0.1 with persistence in a fresh folder, so that persistent sessions
/// outlive a restart (saved every second and at a clean exit).
class Broker {
 public:
  /// `port` 0: a free one.
  explicit Broker(std::string dir, int port = 0, std::string extra_config = "")
      : dir_(std::move(dir)), port_(port ? port : free_port()) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ + "/mosquitto.conf")
        << "listener " << port_ << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "persistence true\n"
        << "persistence_location " << dir_ << "/\n"
        << "autosave_interval 1\n"
        << "max_queued_messages 100000\n"
        << "log_dest file " << dir_
        << "/mosquitto.log\n"
        // As root, mosquitto would switch to the user "mosquitto", who cannot write here.
        << (::geteuid() == 0 ? "user root\n" : "") << extra_config;
    start();
  }
  ~Broker() { stop(); }

  void start() {
    const std::string exe = find_program("mosquitto");
    if (exe.empty()) throw std::runtime_error("mosquitto not found (scripts/setup.sh installs it)");
    process_ = std::make_unique<Process>(
        std::vector<std::string>{exe, "-c", dir_ + "/mosquitto.conf"}, "", dir_ + "/stderr.txt");
    if (!wait_until([&] { return port_open(port_); }, 10))
      throw std::runtime_error("mosquitto did not listen within 10 s: see " + dir_ +
                               "/mosquitto.log");
  }
  /// SIGKILL: no goodbye to anyone, nothing saved beyond the last autosave.
  void kill() {
    if (process_) process_->kill(SIGKILL);
    process_.reset();
  }
  void stop() {
    if (process_) process_->kill(SIGTERM);
    process_.reset();
  }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace plantwin::test
