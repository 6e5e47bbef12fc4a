#include "plantwin/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace plantwin {

namespace {

std::string errno_text(int e) {
  return std::generic_category().message(e);
}

[[noreturn]] void fail(const std::string& path, const std::string& what, const std::string& why) {
  throw std::runtime_error(fmt::format("{}: cannot write {}: {}", path, what, why));
}

/// A file descriptor closed on every path out.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct Place {
  std::string folder;  ///< As given, "." when the path has none.
  std::string name;    ///< The last component.
};

Place split(const std::string& path, const std::string& what) {
  if (path.empty()) fail(path, what, "the path is empty");
  const std::filesystem::path p(path);
  Place pl{p.has_parent_path() ? p.parent_path().string() : std::string("."),
           p.filename().string()};
  if (pl.name.empty() || pl.name == "." || pl.name == "..")
    fail(path, what, "it names a directory, not a file");
  return pl;
}

Fd open_folder(const std::string& path, const Place& pl, const std::string& what) {
  Fd dir(::open(pl.folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    const int e = errno;
    if (e == ENOENT) fail(path, what, fmt::format("the folder {} does not exist", pl.folder));
    if (e == ENOTDIR) fail(path, what, fmt::format("{} is not a folder", pl.folder));
    fail(path, what, fmt::format("the folder {}: {}", pl.folder, errno_text(e)));
  }
  return dir;
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

/// Refuses a target that exists and is not a regular file: renaming over it would replace a
/// device node, a link or a pipe that someone else relies on.
void check_target(int dir, const std::string& path, const Place& pl, const std::string& what) {
  struct stat st {};
  if (::fstatat(dir, pl.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode))
      fail(path, what,
           fmt::format("it is {}; plantwin replaces only regular files", kind_of(st.st_mode)));
    return;
  }
  if (errno != ENOENT) fail(path, what, errno_text(errno));
}

std::string temp_prefix(const Place& pl) {
  return fmt::format(".{}.", pl.name);  // not "." + name: GCC 12 misreads it (-Wrestrict)
}

/// A fresh name `.<name>.<pid>-<random>.tmp`: the pid lets a later run see that its writer is
/// gone, the random part makes it unpredictable.
std::string temp_name(const Place& pl) {
  std::uint64_t r = 0;
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r))
    r = static_cast<std::uint64_t>(std::time(nullptr)) ^ reinterpret_cast<std::uintptr_t>(&r);
  return fmt::format("{}{}-{:016x}.tmp", temp_prefix(pl), ::getpid(), r);
}

/// Removes `.<name>.<pid>-<random>.tmp` files whose writer process no longer exists (left by a
/// run killed between naming its temporary file and renaming it).
void remove_stale_temporaries(int dir, const Place& pl) {
  const int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return;
  }
  const std::string prefix = temp_prefix(pl);
  // Bounded: a folder with millions of entries is not scanned to the end.
  for (int seen = 0; seen < 100000; ++seen) {
    const dirent* e = ::readdir(d);
    if (!e) break;
    const std::string n = e->d_name;
    if (n.size() <= prefix.size() + 4 || n.compare(0, prefix.size(), prefix) != 0 ||
        n.compare(n.size() - 4, 4, ".tmp") != 0)
      continue;
    const std::string rest = n.substr(prefix.size());
    const auto dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || dash > 9) continue;
    if (rest.find_first_not_of("0123456789") != dash) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    struct stat st {};
    if (::fstatat(dir, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
        st.st_uid == ::geteuid())
      ::unlinkat(dir, n.c_str(), 0);
  }
  ::closedir(d);
}

/// An unnamed file in `dir`, or -1 with errno set. EOPNOTSUPP and EISDIR (old kernels) mean the
/// file system has no O_TMPFILE.
int open_unnamed(int dir) {
  return ::openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
}

bool no_tmpfile_support(int e) {
  return e == EOPNOTSUPP || e == EISDIR || e == EINVAL;
}

}  // namespace

void check_output_path(const std::string& path, const std::string& what) {
  const Place pl = split(path, what);
  const Fd dir = open_folder(path, pl, what);
  check_target(dir.get(), path, pl, what);
  // Proof that the folder takes new files (read-only mounts, permissions, ACLs): an unnamed file
  // that vanishes when closed.
  Fd probe(open_unnamed(dir.get()));
  if (probe.get() >= 0) return;
  const int e = errno;
  if (!no_tmpfile_support(e))
    fail(path, what, fmt::format("the folder {}: {}", pl.folder, errno_text(e)));
  if (::faccessat(dir.get(), ".", W_OK | X_OK, AT_EACCESS) != 0)
    fail(path, what, fmt::format("the folder {}: {}", pl.folder, errno_text(errno)));
}

void write_file_atomically(const std::string& path, std::string_view bytes,
                           const std::string& what) {
  const Place pl = split(path, what);
  const Fd dir = open_folder(path, pl, what);
  check_target(dir.get(), path, pl, what);
  remove_stale_temporaries(dir.get(), pl);

  // The named temporary file, removed on every path out unless it was renamed into place.
  std::string named;
  struct Cleanup {
    int dir;
    std::string* name;
    ~Cleanup() {
      if (!name->empty()) ::unlinkat(dir, name->c_str(), 0);
    }
  } cleanup{dir.get(), &named};

  Fd file(open_unnamed(dir.get()));
  const bool unnamed = file.get() >= 0;
  if (!unnamed) {
    if (!no_tmpfile_support(errno))
      fail(path, what, fmt::format("the folder {}: {}", pl.folder, errno_text(errno)));
    for (int attempt = 0; attempt < 100 && file.get() < 0; ++attempt) {
      const std::string n = temp_name(pl);
      file.reset(::openat(dir.get(), n.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
      if (file.get() >= 0)
        named = n;
      else if (errno != EEXIST)
        fail(path, what, fmt::format("the folder {}: {}", pl.folder, errno_text(errno)));
    }
    if (file.get() < 0) fail(path, what, "no free temporary file name");
  }

  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(file.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, what, errno_text(n < 0 ? errno : EIO));
    done += static_cast<std::size_t>(n);
  }
  // Some file systems (NFS, quotas, delayed allocation) report a full disk only here.
  if (::fsync(file.get()) != 0) fail(path, what, errno_text(errno));

  if (unnamed) {
    // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for everyone where /proc is.
    const std::string self = fmt::format("/proc/self/fd/{}", file.get());
    for (int attempt = 0; attempt < 100 && named.empty(); ++attempt) {
      const std::string n = temp_name(pl);
      if (::linkat(file.get(), "", dir.get(), n.c_str(), AT_EMPTY_PATH) == 0 ||
          (errno != EEXIST &&
           ::linkat(AT_FDCWD, self.c_str(), dir.get(), n.c_str(), AT_SYMLINK_FOLLOW) == 0))
        named = n;
      else if (errno != EEXIST)
        fail(path, what, errno_text(errno));
    }
    if (named.empty()) fail(path, what, "no free temporary file name");
  }
  // The target may have changed since the first look; a rename over a directory fails by
  // itself, over a device node it would not.
  check_target(dir.get(), path, pl, what);
  if (::renameat(dir.get(), named.c_str(), dir.get(), pl.name.c_str()) != 0)
    fail(path, what, errno_text(errno));
  named.clear();
  ::fsync(dir.get());  // the rename survives a power cut; a folder that cannot sync is no error
}

}  // namespace plantwin
