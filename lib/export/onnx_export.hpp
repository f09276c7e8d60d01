// Writing a model (or an ensemble) as an ONNX file that any ONNX runtime reads: the graph
// takes what prediction takes (raw 0-255 pixel values as float, N×C×H×W with N free) and
// returns what prediction returns (class probabilities, N×k), with the input
// normalisation, the test-time augmentation views and the decision bias inside it.
// Optional: without protobuf at build time export_onnx fails with Status::unsupported.
#pragma once

#include <string>
#include <vector>

#include "model/model.hpp"

namespace kcell::exporter {

// The ONNX operator set the files declare (docs/onnx.md says why this one).
inline constexpr int kOnnxOpset = 11;

// Whether this build can write ONNX files (it was built with protobuf).
bool onnx_export_supported();

// Writes `members` (one model, or an ensemble whose probabilities are averaged as
// prediction averages them) to `path` atomically (common/atomic_file.hpp: a folder, a
// device or a link there is refused with Status::io). The weights are the fp32 ones
// whatever inference precision the models are set to; batch norms are folded into the
// convolutions before them as inference folds them. Throws Status::unsupported when the
// build has no ONNX support, Status::limit when the file would exceed protobuf's 2 GB.
// `producer_version` is recorded as the file's producer_version (kcell's version).
void export_onnx(const std::vector<model::Model*>& members, const std::string& path,
                 const std::string& producer_version);

}  // namespace kcell::exporter
