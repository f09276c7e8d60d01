#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>

#include "common/error.hpp"

namespace kcell {
namespace {

[[noreturn]] void io_error(const std::string& path, const std::string& what, int err) {
  fail(Status::io, path + ": " + what + " (" + std::strerror(err) +
                       "); the previous file, if any, is unchanged");
}

// "dir/name" -> {"dir", "name"}; "name" -> {".", "name"}.
std::pair<std::string, std::string> split_path(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The checks shared by the preflight and the writer. Returns whether the target
// exists (then `st` is its lstat).
bool check_target(const std::string& path, struct stat& st) {
  if (path.empty()) fail(Status::invalid_argument, "the file path is empty");
  const auto name = split_path(path).second;
  if (name.empty() || name == "." || name == "..")
    fail(Status::io, path + ": names a folder, not a file");
  if (name.size() > kMaxFileNameBytes)
    fail(Status::io, path + ": the file name is " + std::to_string(name.size()) +
                         " bytes; the limit is " + std::to_string(kMaxFileNameBytes));
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    io_error(path, "cannot inspect the target", errno);
  }
  if (!S_ISREG(st.st_mode))
    fail(Status::io, path + ": exists and is " + std::string(kind_of(st.st_mode)) +
                         "; kcell replaces only regular files (use the real file's path" +
                         (S_ISLNK(st.st_mode) ? "" : ", or - for standard output where offered") +
                         ")");
  return true;
}

// The temporary's name: ".<name>.kcell-tmp-<suffix>", with `name` cut so the
// whole fits.
std::string temporary_name(const std::string& name, const std::string& suffix) {
  const std::string tail = ".kcell-tmp-" + suffix;
  const size_t room = kMaxFileNameBytes - 1 - tail.size();
  return "." + name.substr(0, std::min(name.size(), room)) + tail;
}

uint64_t random_bits() {
  static std::atomic<uint64_t> seed{
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  uint64_t x = seed.fetch_add(0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Creates a new, empty temporary file next to the target. O_EXCL|O_NOFOLLOW:
// whatever already has that name (a file, or a link planted to redirect the
// write) is never opened.
int create_temporary(const std::string& folder, const std::string& name, std::string& temp) {
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    char random[17];
    std::snprintf(random, sizeof random, "%016llx", static_cast<unsigned long long>(random_bits()));
    temp = folder + "/" +
           temporary_name(
               name, std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + random);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) return -1;
  }
  errno = EEXIST;
  return -1;
}

// Returns 0 or the errno of the failed write.
int write_all(int fd, const uint8_t* p, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ENOSPC;  // no progress: treat as a full device
    p += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

// Flushes the folder's entry for the renamed file. Some file systems cannot
// fsync a folder (EINVAL); the rename itself is done by then, so that is not an
// error.
void sync_folder(const std::string& path, const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS)
    fail(Status::io, path + ": written, but flushing its folder failed (" +
                         std::string(std::strerror(err)) + ")");
}

// The path with its folder resolved (the file itself need not exist); empty if
// the folder cannot be resolved.
std::string resolved(const std::string& path) {
  const auto [folder, name] = split_path(path);
  char* real = ::realpath(folder.c_str(), nullptr);
  if (!real) return "";
  std::string out = std::string(real) + "/" + name;
  std::free(real);
  if (char* full = ::realpath(out.c_str(), nullptr)) {  // a link as the last part
    out = full;
    std::free(full);
  }
  return out;
}

}  // namespace

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  struct stat target {};
  const bool exists = check_target(path, target);
  const auto [folder, name] = split_path(path);

  std::string temp;
  const int fd = create_temporary(folder, name, temp);
  if (fd < 0) io_error(path, "cannot create a temporary file in " + folder, errno);

  std::string step = "cannot write";
  int err = 0;
  if (exists) {
    // Owner first (only root or the owner may, and failing is fine), then the
    // mode bits, which a chown may have cleared (setuid/setgid).
    if (::fchown(fd, target.st_uid, target.st_gid) != 0) { /* keep the process's owner */
    }
    if (::fchmod(fd, target.st_mode & 07777) != 0) {
      err = errno;
      step = "cannot copy the permissions of the file it replaces";
    }
  }
  if (err == 0) err = write_all(fd, static_cast<const uint8_t*>(data), size);
  if (err == 0 && ::fsync(fd) != 0) {
    err = errno;
    step = "cannot flush to disk";
  }
  if (::close(fd) != 0 && err == 0) {
    err = errno;
    step = "cannot close";
  }
  if (err == 0) {
    // Between the check and here the target may have changed: look again so a
    // device or link put there meanwhile is still refused (the window left is
    // the rename's own).
    struct stat again {};
    if (::lstat(path.c_str(), &again) == 0 && !S_ISREG(again.st_mode)) {
      ::unlink(temp.c_str());
      check_target(path, again);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      err = errno;
      step = "cannot rename the temporary file over it";
    }
  }
  if (err != 0) {
    ::unlink(temp.c_str());
    io_error(path, step, err);
  }
  sync_folder(path, folder);
}

void check_output_file(const std::string& path, const std::vector<std::string>& inputs) {
  struct stat target {};
  const bool exists = check_target(path, target);
  const std::string folder = split_path(path).first;
  struct stat dir {};
  if (::stat(folder.c_str(), &dir) != 0)
    fail(Status::io,
         path + ": the folder " + folder + " does not exist (" + std::strerror(errno) + ")");
  if (!S_ISDIR(dir.st_mode)) fail(Status::io, path + ": " + folder + " is not a folder");
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    fail(Status::io,
         path + ": the folder " + folder + " is not writable (" + std::strerror(errno) + ")");
  const std::string out_resolved = resolved(path);
  for (const std::string& input : inputs) {
    if (input.empty()) continue;
    struct stat in {};
    const bool same_inode = exists && ::stat(input.c_str(), &in) == 0 &&
                            in.st_dev == target.st_dev && in.st_ino == target.st_ino;
    if (same_inode || (!out_resolved.empty() && out_resolved == resolved(input)))
      fail(Status::invalid_argument,
           path + ": is also an input (" + input + "); writing it would destroy the input");
  }
}

}  // namespace kcell
