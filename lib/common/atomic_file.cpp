#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstring>
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

// Creates a new, empty temporary file next to the target, with the permissions a new file
// normally gets (0666 minus the umask, unlike mkstemp's 0600).
int create_temporary(const std::string& folder, const std::string& name, std::string& temp) {
  static std::atomic<uint64_t> counter{0};
  // pid and counter keep this process's names apart; the clock makes a stale file left by
  // an earlier process with the same pid unlikely to collide (O_EXCL catches the rest).
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = folder + "/." + name + ".kcell-tmp-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++) + "-" + std::to_string(now & 0xffffff);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
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

// Flushes the folder's entry for the renamed file. Some file systems cannot fsync a
// folder (EINVAL); the rename itself is done by then, so that is not an error.
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

}  // namespace

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  if (path.empty()) fail(Status::invalid_argument, "the file path is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    fail(Status::io, path + ": is a folder, not a file");
  const auto [folder, name] = split_path(path);
  if (name.empty()) fail(Status::io, path + ": names a folder, not a file");

  std::string temp;
  const int fd = create_temporary(folder, name, temp);
  if (fd < 0) io_error(path, "cannot create a temporary file in " + folder, errno);

  std::string step = "cannot write";
  int err = write_all(fd, static_cast<const uint8_t*>(data), size);
  if (err == 0 && ::fsync(fd) != 0) {
    err = errno;
    step = "cannot flush to disk";
  }
  if (::close(fd) != 0 && err == 0) {
    err = errno;
    step = "cannot close";
  }
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) {
    err = errno;
    step = "cannot rename the temporary file over it";
  }
  if (err != 0) {
    ::unlink(temp.c_str());
    io_error(path, step, err);
  }
  sync_folder(path, folder);
}

}  // namespace kcell
