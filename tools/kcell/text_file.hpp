// Writing the program's output files (JSON, CSV, HTML, tables).
#pragma once

#include <string>

namespace kcell_cli {

// Writes `text` to `path` ("-" is standard output) through a temporary file renamed over
// it, so a failed write never leaves half a file. Throws Failure naming the path.
void write_text_file(const std::string& path, const std::string& text);

// Creates the folder `path` (and its parents) unless it exists. Throws Failure.
void make_directory(const std::string& path);

}  // namespace kcell_cli
