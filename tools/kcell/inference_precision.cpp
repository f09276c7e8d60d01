#include "inference_precision.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <optional>

#include "common.hpp"

namespace kcell_cli {
namespace {

// Calibrates int8 on the first kCalibrationImages validation images of `dataset`; returns
// how many were used.
size_t calibrate(kcell::Model& model, const kcell::Dataset& dataset, const std::string& path) {
  const size_t count = in_context(path, [&] { return dataset.count(KCELL_SPLIT_VAL); });
  // The test split is never used: calibrating on the images being scored would flatter
  // the int8 numbers.
  if (count == 0)
    throw Failure(path +
                  ": has no validation split to calibrate int8 on (give --calibrate "
                  "a dataset with one, of images like those to classify)");
  in_context("int8 calibration on " + path,
             [&] { model.calibrate_int8(dataset, KCELL_SPLIT_VAL, kCalibrationImages); });
  return std::min(count, kCalibrationImages);
}

}  // namespace

std::string AppliedPrecision::calibration() const {
  if (calibration_data.empty()) return "";
  return "the first " + std::to_string(calibration_images) + " validation images of " +
         calibration_data;
}

std::string AppliedPrecision::describe() const {
  return calibration_data.empty() ? precision : precision + ", calibrated on " + calibration();
}

void add_inference_precision_options(CLI::App& cmd, InferencePrecisionOptions& o,
                                     const std::string& calibrate_help) {
  cmd.add_option("--precision", o.precision,
                 "Inference arithmetic: fp32; bf16 (bfloat16, needs a CPU with AVX-512 "
                 "BF16); or int8 (8-bit integers, calibrated first, see --calibrate)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}))
      ->capture_default_str();
  cmd.add_option("--calibrate", o.calibrate,
                 "With --precision int8 only: a dataset (.npz or IDX folder) whose first " +
                     std::to_string(kCalibrationImages) +
                     " validation images set the int8 activation ranges; " + calibrate_help)
      ->type_name("DATA");
}

void check_inference_precision(const InferencePrecisionOptions& o, bool has_default_calibration) {
  if (!o.calibrate.empty() && o.precision != "int8")
    throw CLI::ValidationError("--calibrate", "applies only to --precision int8");
  if (o.precision == "int8" && o.calibrate.empty() && !has_default_calibration)
    throw CLI::ValidationError("--precision",
                               "int8 needs --calibrate DATA, a dataset whose "
                               "validation images are like those to classify");
}

AppliedPrecision apply_inference_precision(kcell::Model& model, const InferencePrecisionOptions& o,
                                           const kcell::Dataset* fallback,
                                           const std::string& fallback_path) {
  static const std::map<std::string, kcell_precision> kinds = {{"fp32", KCELL_PRECISION_FP32},
                                                               {"bf16", KCELL_PRECISION_BF16},
                                                               {"int8", KCELL_PRECISION_INT8}};
  AppliedPrecision applied;
  applied.precision = o.precision;
  if (o.precision == "int8") {
    const bool own = !o.calibrate.empty() && o.calibrate != fallback_path;
    std::optional<kcell::Dataset> opened;
    if (own) opened.emplace(o.calibrate);
    applied.calibration_data = own ? o.calibrate : fallback_path;
    // check_inference_precision() rules this out; a caller that skipped it fails cleanly.
    if (!own && !fallback) throw Failure("--precision int8: nothing to calibrate on");
    applied.calibration_images =
        calibrate(model, own ? *opened : *fallback, applied.calibration_data);
  }
  in_context("--precision " + o.precision,
             [&] { model.set_inference_precision(kinds.at(o.precision)); });
  return applied;
}

}  // namespace kcell_cli
