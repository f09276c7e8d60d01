#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

kcell_model* loaded_model(const void* data, size_t size) {
  kcell_model* model = nullptr;
  const kcell_status status = kcell_model_load_from_memory(data, size, &model);
  if (status == KCELL_OK) return model;
  if (status != KCELL_ERROR_FORMAT)
    bug(std::string("load gave ") + kcell_status_string(status) + ": " + kcell_last_error());
  if (model != nullptr) bug("a failed load wrote its out-parameter");
  if (std::strlen(kcell_last_error()) == 0) bug("a format error without a message");
  return nullptr;
}

std::string saved_model(const kcell_model* model) {
  void* bytes = nullptr;
  size_t size = 0;
  if (kcell_model_save_to_memory(model, &bytes, &size) != KCELL_OK)
    bug(std::string("a loaded model does not save: ") + kcell_last_error());
  std::string out(static_cast<const char*>(bytes), size);
  kcell_free(bytes);
  return out;
}

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
