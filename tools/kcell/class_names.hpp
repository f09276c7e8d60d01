// Class names: the ones a model file keeps, and the ones `--class-names` asks for.
#pragma once

#include <kcell/kcell.hpp>

#include <string>
#include <vector>

namespace kcell_cli {

// The names `--class-names SPEC` gives a dataset at `data_path` with `classes` classes:
// "auto" (known datasets by file name, else none), "none", "A,B,C" or "@FILE".
// An empty result leaves kcell's default names "0".."k-1". Throws Failure on a bad count.
std::vector<std::string> resolve_class_names(const std::string& spec, const std::string& data_path,
                                             int classes);

// Largest class-name file read (4096 classes of 256-byte names fit).
constexpr size_t kMaxClassNameFileBytes = size_t{1} << 20;

// The file `--class-names @FILE` reads, or "" for the other forms.
std::string class_names_file(const std::string& spec);

// Stores `names` in the model (nothing when empty).
void set_class_names(kcell::Model& model, const std::vector<std::string>& names);

// `text` with control characters (below 0x20, and 0x7f) written as \xNN, so that a name
// can never split a line, a tab-separated field or drive the terminal.
std::string escape_controls(const std::string& text);

// The model's class names in label order, with escape_controls() applied (the library
// refuses control characters in names already; this keeps output safe regardless).
std::vector<std::string> model_class_names(const kcell::Model& model);

}  // namespace kcell_cli
