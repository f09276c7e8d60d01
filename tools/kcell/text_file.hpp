// Writing the program's output files (JSON, CSV, HTML, tables).
#pragma once

#include <string>
#include <vector>

namespace kcell_cli {

// Writes `text` to `path` ("-" is standard output) with kcell_write_file(): atomically,
// refusing a target that is not a regular file. Throws Failure naming the path.
void write_text_file(const std::string& path, const std::string& text);

// Fails (Failure, one line) before any work when `path` cannot be written or names the
// same file as one of `inputs` (kcell_check_output()). "" and "-" pass.
void check_output(const std::string& path, const std::vector<std::string>& inputs = {});

// check_output() for the files write_report() puts in the folder `dir` (created here, so
// a bad folder fails before the work too).
void check_report_folder(const std::string& dir, const std::vector<std::string>& inputs);

// Creates the folder `path` (and its parents) unless it exists. Throws Failure.
void make_directory(const std::string& path);

}  // namespace kcell_cli
