#include "text_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common.hpp"

namespace kcell_cli {

void write_text_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  kcell::write_file(path, text.data(), text.size());
}

void check_output(const std::string& path, const std::vector<std::string>& inputs) {
  if (path.empty() || path == "-") return;
  kcell::check_output(path, inputs);
}

void check_report_folder(const std::string& dir, const std::vector<std::string>& inputs) {
  if (dir.empty()) return;
  make_directory(dir);
  for (const char* file : {"metrics.json", "history.csv", "report.html"})
    check_output(dir + "/" + file, inputs);
}

void make_directory(const std::string& path) {
  if (path.empty()) throw Failure("an empty folder name");
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST)
      throw Failure(prefix + ": cannot create the folder: " + std::strerror(errno));
    if (slash == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Failure(path + ": exists and is not a folder");
}

}  // namespace kcell_cli
