// Saving is atomic: a save that fails for any reason — the folder is not writable, the disk
// is full, the process is killed — leaves the previous file as it was.
#include <doctest/doctest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/atomic_file.hpp"
#include "model/model_file.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"

using kcell::Status;
using kcell::test::check_error;
using kcell::test::kTestVersion;

namespace {

// A fresh, empty folder under the test temp folder.
std::string fresh_folder(const std::string& name) {
  const std::string dir = std::string(KCELL_TEST_TMP_DIR) + "/" + name;
  std::string command = "rm -rf '" + dir + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  return dir;
}

std::vector<std::string> folder_entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs body in a child process and returns its exit code (body's return value).
template <class Body>
int in_child(Body&& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("saving over an existing model replaces it and leaves no temporary file behind") {
  const std::string dir = fresh_folder("atomic_replace");
  const std::string path = dir + "/model.kcell";
  auto first = kcell::test::make_test_model(kcell::test::kSmallSpec, 1, 8, 3, 1);
  auto second = kcell::test::make_test_model(kcell::test::kSmallSpec, 1, 8, 3, 2);
  kcell::model::save_model(*first, path, kTestVersion);
  kcell::model::save_model(*second, path, kTestVersion);
  CHECK(folder_entries(dir) == std::vector<std::string>{"model.kcell"});
  CHECK(file_bytes(path) == kcell::model::save_model_to_memory(*second, kTestVersion));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0044) != 0);  // the usual permissions, not mkstemp's private 0600
}

TEST_CASE("a save that runs out of space keeps the previous file and removes its temporary") {
  const std::string dir = fresh_folder("atomic_full");
  const std::string path = dir + "/model.kcell";
  auto old_model = kcell::test::make_test_model(kcell::test::kSmallSpec, 1, 8, 3, 1);
  kcell::model::save_model(*old_model, path, kTestVersion);
  const std::vector<uint8_t> before = file_bytes(path);
  // A bigger model, written under a file size limit smaller than it: write() fails with
  // EFBIG part-way, as it would with ENOSPC on a full disk.
  auto big = kcell::test::make_test_model("conv(16,3) bn relu flatten dense", 1, 16, 3, 2);
  REQUIRE(kcell::model::save_model_to_memory(*big, kTestVersion).size() > 20000);
  const int code = in_child([&] {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{8192, 8192};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
    try {
      kcell::model::save_model(*big, path, kTestVersion);
      return 11;
    } catch (const kcell::Error& e) {
      const std::string message = e.what();
      if (e.status() != Status::io) return 12;
      if (message.find(path) == std::string::npos ||
          message.find("cannot write") == std::string::npos)
        return 13;
      return 0;
    }
  });
  CHECK(code == 0);
  CHECK(file_bytes(path) == before);
  CHECK(folder_entries(dir) == std::vector<std::string>{"model.kcell"});
}

TEST_CASE("a save into a folder that is not writable fails with an io error and keeps the file") {
  const std::string dir = fresh_folder("atomic_readonly");
  const std::string path = dir + "/model.kcell";
  auto model = kcell::test::make_test_model();
  kcell::model::save_model(*model, path, kTestVersion);
  const std::vector<uint8_t> before = file_bytes(path);
  REQUIRE(::chmod(dir.c_str(), 0555) == 0);
  auto other = kcell::test::make_test_model(kcell::test::kSmallSpec, 1, 8, 3, 5);
  // In a child, so that root (who may write anywhere) can become an ordinary user first.
  const int code = in_child([&] {
    if (::geteuid() == 0 && ::setuid(65534) != 0) return 10;
    try {
      kcell::model::save_model(*other, path, kTestVersion);
      return 11;
    } catch (const kcell::Error& e) {
      const std::string message = e.what();
      if (e.status() != Status::io) return 12;
      if (message.find("cannot create a temporary file") == std::string::npos ||
          message.find("Permission denied") == std::string::npos)
        return 13;
      return 0;
    }
  });
  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  CHECK(code == 0);
  CHECK(file_bytes(path) == before);
  CHECK(folder_entries(dir) == std::vector<std::string>{"model.kcell"});
}

TEST_CASE("a process killed while saving leaves a complete model, the old one or the new") {
  const std::string dir = fresh_folder("atomic_killed");
  const std::string path = dir + "/model.kcell";
  auto a = kcell::test::make_test_model("conv(16,3) bn relu flatten dense", 1, 16, 3, 1);
  auto b = kcell::test::make_test_model("conv(16,3) bn relu flatten dense", 1, 16, 3, 2);
  const std::vector<uint8_t> bytes_a = kcell::model::save_model_to_memory(*a, kTestVersion);
  const std::vector<uint8_t> bytes_b = kcell::model::save_model_to_memory(*b, kTestVersion);
  kcell::model::save_model(*a, path, kTestVersion);
  int saw_temporaries = 0;
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {  // saves b and a in turn until killed
      for (unsigned i = 0;; ++i) kcell::model::save_model(i % 2 ? *a : *b, path, kTestVersion);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(3 + 7 * round));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    const std::vector<uint8_t> now = file_bytes(path);
    CHECK((now == bytes_a || now == bytes_b));
    kcell::model::load_model(path);  // and it loads
    saw_temporaries += folder_entries(dir).size() > 1 ? 1 : 0;
  }
  MESSAGE("rounds that left a temporary file: " << saw_temporaries << " of 6");
}

TEST_CASE("saving to a missing folder or over a folder is an io error naming the path") {
  const std::string dir = fresh_folder("atomic_bad_paths");
  auto model = kcell::test::make_test_model();
  check_error([&] { kcell::model::save_model(*model, dir + "/missing/model.kcell", kTestVersion); },
              Status::io, dir + "/missing/model.kcell", "No such file or directory");
  check_error([&] { kcell::model::save_model(*model, dir, kTestVersion); }, Status::io, dir,
              "is a folder");
  CHECK(folder_entries(dir).empty());
}

TEST_CASE("write_file_atomically writes a file in the current folder when given a bare name") {
  const std::string dir = fresh_folder("atomic_bare");
  const int code = in_child([&] {
    if (::chdir(dir.c_str()) != 0) return 10;
    kcell::write_file_atomically("plain.bin", "abc", 3);
    return 0;
  });
  CHECK(code == 0);
  CHECK(file_bytes(dir + "/plain.bin") == std::vector<uint8_t>{'a', 'b', 'c'});
}
