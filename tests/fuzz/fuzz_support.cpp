#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

namespace kcell::fuzz {
namespace {

std::string folder;           // made on first use: one per process, so parallel jobs
std::set<std::string> files;  // do not share it; removed with its files at exit

void remove_scratch() {
  for (const std::string& f : files) std::remove(f.c_str());
  ::rmdir(folder.c_str());
}

const std::string& scratch_folder() {
  if (folder.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kcell-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) bug("cannot make a scratch folder " + pattern);
    folder = pattern;
    std::atexit(remove_scratch);
  }
  return folder;
}

}  // namespace

std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_folder() + "/" + name;
  files.insert(path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) bug("cannot write the scratch file " + path);
  return path;
}

}  // namespace kcell::fuzz
