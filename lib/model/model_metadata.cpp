// Model's class names (the rest of Model is in model.cpp): kept apart because they are
// metadata for model files and predictions, not part of the network.
#include <nlohmann/json.hpp>

#include <string>

#include "common/error.hpp"
#include "model/model.hpp"

namespace kcell::model {
namespace {

constexpr size_t kMaxClassNameBytes = 256;

bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();  // throws on invalid UTF-8
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

std::vector<std::string> Model::class_names() const {
  std::vector<std::string> names;
  for (int i = 0; i < num_classes_; ++i) names.push_back(class_name(i));
  return names;
}

std::string Model::class_name(int index) const {
  if (index < 0 || index >= num_classes_)
    fail(Status::invalid_argument, "class index " + std::to_string(index) + " is outside [0, " +
                                       std::to_string(num_classes_) + ")");
  if (class_names_.empty()) return std::to_string(index);
  return class_names_[static_cast<size_t>(index)];
}

void Model::set_class_names(std::vector<std::string> names) {
  if (!names.empty()) {
    if (names.size() != static_cast<size_t>(num_classes_))
      fail(Status::invalid_argument, "expected " + std::to_string(num_classes_) +
                                         " class names, one per class, got " +
                                         std::to_string(names.size()));
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      if (name.empty() || name.size() > kMaxClassNameBytes)
        fail(Status::invalid_argument, "class name " + std::to_string(i) + " must have 1 to " +
                                           std::to_string(kMaxClassNameBytes) + " bytes, has " +
                                           std::to_string(name.size()));
      if (name.find('\0') != std::string::npos || !valid_utf8(name))
        fail(Status::invalid_argument,
             "class name " + std::to_string(i) + " is not valid UTF-8 text");
      // Names are printed in line- and tab-separated output and on terminals: a tab,
      // newline or escape would forge output lines or drive the terminal.
      for (unsigned char ch : name)
        if (ch < 0x20 || ch == 0x7f)
          fail(Status::invalid_argument,
               "class name " + std::to_string(i) + " holds the control character " +
                   std::to_string(static_cast<int>(ch)) + "; names must be printable text");
    }
  }
  class_names_ = std::move(names);
}

}  // namespace kcell::model
