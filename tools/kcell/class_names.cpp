#include "class_names.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "common.hpp"

namespace kcell_cli {
namespace {

// MedMNIST v2's TissueMNIST labels and Fashion-MNIST's, in label order.
const std::vector<std::string> kTissueMnist = {"Collecting Duct, Connecting Tubule",
                                               "Distal Convoluted Tubule",
                                               "Glomerular endothelial cells",
                                               "Interstitial endothelial cells",
                                               "Leukocytes",
                                               "Podocytes",
                                               "Proximal Tubule Segments",
                                               "Thick Ascending Limb"};
const std::vector<std::string> kFashionMnist = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                "Bag",         "Ankle boot"};

std::string lower_file_name(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  std::string name = trimmed.substr(trimmed.find_last_of('/') + 1);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

// Reads a class-name file: only a regular file (not a device or FIFO that never ends), of
// at most kMaxClassNameFileBytes.
std::vector<std::string> read_lines(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Failure(path + ": cannot open the class-name file: " + std::strerror(errno));
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const off_t size = st.st_size;
  std::string text;
  if (regular && size <= static_cast<off_t>(kMaxClassNameFileBytes)) {
    text.resize(static_cast<size_t>(size));
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, &text[got], text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);
  }
  ::close(fd);
  if (!regular) throw Failure(path + ": the class-name file is not a regular file");
  if (size > static_cast<off_t>(kMaxClassNameFileBytes))
    throw Failure(path + ": the class-name file has " + std::to_string(size) +
                  " bytes; the limit is " + std::to_string(kMaxClassNameFileBytes));
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

}  // namespace

std::string escape_controls(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (ch >= 0x20 && ch != 0x7f) {
      out += static_cast<char>(ch);
      continue;
    }
    char code[8];
    std::snprintf(code, sizeof code, "\\x%02x", ch);
    out += code;
  }
  return out;
}

std::string class_names_file(const std::string& spec) {
  return spec.size() > 1 && spec[0] == '@' ? spec.substr(1) : "";
}

std::vector<std::string> resolve_class_names(const std::string& spec, const std::string& data_path,
                                             int classes) {
  if (spec == "none") return {};
  if (spec == "auto") {
    const std::string name = lower_file_name(data_path);
    if (name.find("tissuemnist") != std::string::npos && classes == 8) return kTissueMnist;
    if (name.find("fashion") != std::string::npos && classes == 10) return kFashionMnist;
    return {};
  }
  std::vector<std::string> names =
      !class_names_file(spec).empty() ? read_lines(class_names_file(spec)) : split_commas(spec);
  if (names.size() != static_cast<size_t>(classes))
    throw Failure("--class-names gives " + std::to_string(names.size()) + " names for " +
                  std::to_string(classes) + " classes");
  return names;
}

void set_class_names(kcell::Model& model, const std::vector<std::string>& names) {
  if (names.empty()) return;
  in_context("--class-names", [&] { model.set_class_names(names); });
}

std::vector<std::string> model_class_names(const kcell::Model& model) {
  const int classes = in_context("model", [&] { return model.info().num_classes; });
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c)
    names.push_back(
        escape_controls(in_context("class names", [&] { return model.class_name(c); })));
  return names;
}

}  // namespace kcell_cli
