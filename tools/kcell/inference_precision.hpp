// The inference precision of `kcell eval` and `kcell predict`: the --precision and
// --calibrate options, their usage checks, and setting them on a loaded model.
#pragma once

#include <kcell/kcell.hpp>

#include <cstddef>
#include <string>

namespace CLI {
class App;
}

namespace kcell_cli {

// int8 is calibrated on at most this many images from the start of a validation split:
// enough for stable activation ranges, a second or two on 2 cores.
constexpr size_t kCalibrationImages = 2000;

struct InferencePrecisionOptions {
  std::string precision = "fp32";  // fp32, bf16 or int8
  std::string calibrate;           // dataset whose validation split calibrates int8
};

// What a model was set to, for the outputs that report it.
struct AppliedPrecision {
  std::string precision = "fp32";
  std::string calibration_data;   // int8 only: the dataset calibrated on
  size_t calibration_images = 0;  // int8 only: images of its validation split used

  // "the first 100 validation images of cells.npz"; "" unless int8.
  std::string calibration() const;
  // "int8, calibrated on the first 100 validation images of cells.npz", or just "fp32".
  std::string describe() const;
};

// Registers --precision and --calibrate on `cmd`, bound to `o`; `calibrate_help` says what
// --calibrate defaults to for this command.
void add_inference_precision_options(CLI::App& cmd, InferencePrecisionOptions& o,
                                     const std::string& calibrate_help);

// The checks that involve both options, for the start of a command's callback (before
// anything is loaded): --calibrate only with int8, and int8 without --calibrate only when
// the command has a default (`has_default_calibration`). Throws CLI::ValidationError.
void check_inference_precision(const InferencePrecisionOptions& o, bool has_default_calibration);

// Sets `model` to the chosen precision. For int8 it first calibrates on the validation
// split of --calibrate's dataset or, without --calibrate, of `fallback` (already open,
// named `fallback_path`). Throws Failure, e.g. for a dataset without a validation split or
// bf16 on a CPU without it.
AppliedPrecision apply_inference_precision(kcell::Model& model, const InferencePrecisionOptions& o,
                                           const kcell::Dataset* fallback,
                                           const std::string& fallback_path);

}  // namespace kcell_cli
