// The one atomic writer's rules: refuse what is not a regular file, keep the
// mode, never use a fixed or planted temporary name, and the preflight check of
// outputs against inputs.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::test::check_error;

namespace {

std::string fresh(const std::string& name) {
  const std::string dir = std::string(KCELL_TEST_TMP_DIR) + "/" + name;
  REQUIRE(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()) == 0);
  return dir;
}

std::string text_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write(const std::string& path, const std::string& text) {
  kcell::write_file_atomically(path, text.data(), text.size());
}

}  // namespace

TEST_CASE(
    "the atomic writer refuses devices, FIFOs, folders and links instead "
    "of replacing them") {
  const std::string dir = fresh("atomic_refuse");
  REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0644) == 0);
  REQUIRE(::symlink((dir + "/victim").c_str(), (dir + "/link").c_str()) == 0);
  check_error([] { write("/dev/null", "x"); }, Status::io, "character device");
  check_error([&] { write(dir + "/fifo", "x"); }, Status::io, "FIFO");
  check_error([&] { write(dir, "x"); }, Status::io, "folder");
  check_error([&] { write(dir + "/link", "x"); }, Status::io, "symbolic link");
  struct stat st {};
  CHECK((::lstat((dir + "/fifo").c_str(), &st) == 0 && S_ISFIFO(st.st_mode)));
  CHECK((::lstat((dir + "/link").c_str(), &st) == 0 && S_ISLNK(st.st_mode)));
  CHECK(::access((dir + "/victim").c_str(), F_OK) != 0);
}

TEST_CASE("the atomic writer keeps a replaced file's permissions") {
  const std::string path = fresh("atomic_mode") + "/secret.kcell";
  write(path, "one");
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  write(path, "two");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(text_of(path) == "two");
}

TEST_CASE(
    "the atomic writer neither follows nor removes a link planted at a "
    "guessable name") {
  const std::string dir = fresh("atomic_planted");
  write(dir + "/precious", "precious");
  for (const char* planted : {"/out.json.tmp", "/.out.json.kcell-tmp-0-0-0"})
    REQUIRE(::symlink((dir + "/precious").c_str(), (dir + planted).c_str()) == 0);
  write(dir + "/out.json", "new");
  CHECK(text_of(dir + "/precious") == "precious");
  CHECK(text_of(dir + "/out.json") == "new");
  struct stat st {};
  CHECK((::lstat((dir + "/out.json.tmp").c_str(), &st) == 0 && S_ISLNK(st.st_mode)));
}

TEST_CASE(
    "the atomic writer takes a 255-byte name, its temporary name "
    "shortened to fit") {
  const std::string dir = fresh("atomic_long");
  write(dir + "/" + std::string(255, 'n'), "long");
  CHECK(text_of(dir + "/" + std::string(255, 'n')) == "long");
  check_error([&] { write(dir + "/" + std::string(256, 'n'), "x"); }, Status::io, "limit is 255");
}

TEST_CASE("the output check refuses missing folders and outputs that are inputs") {
  const std::string dir = fresh("atomic_check");
  write(dir + "/data.npz", "data");
  REQUIRE(::symlink((dir + "/data.npz").c_str(), (dir + "/alias.npz").c_str()) == 0);
  kcell::check_output_file(dir + "/new.kcell", {dir + "/data.npz"});
  check_error([&] { kcell::check_output_file(dir + "/missing/m.kcell", {}); }, Status::io,
              "does not exist");
  check_error([&] { kcell::check_output_file(dir + "/data.npz", {dir + "/data.npz"}); },
              Status::invalid_argument, "also an input");
  check_error(
      [&] { kcell::check_output_file(dir + "/../atomic_check/data.npz", {dir + "/alias.npz"}); },
      Status::invalid_argument, "also an input");
  check_error([] { kcell::check_output_file("/dev/stdout", {}); }, Status::io,
              "replaces only regular files");
}
