// Model files: a zip that numpy.load opens, with one float32 .npy per parameter and
// running statistic (named as nn::Param / nn::Buffer, plus ".npy") and the metadata member
// kcell.json (model_file_metadata.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace kcell::io {
class ZipArchive;
}

namespace kcell::model {

// The most bytes a model file kcell writes can hold: kMaxModelParams float32 weights, at
// most as many running statistics, the largest metadata (64 MiB) and 64 MiB for the .npy
// headers and the zip's own records. Readers of files that hold whole model files
// (ensembles, checkpoints) refuse a member declaring more before allocating it.
inline constexpr uint64_t kMaxModelFileBytes =
    2 * sizeof(float) * static_cast<uint64_t>(kMaxModelParams) + (128ull << 20);

// The file's bytes. kcell_version is recorded in the metadata.
std::vector<uint8_t> save_model_to_memory(Model& model, const std::string& kcell_version);

// Writes the file atomically (common/atomic_file.hpp): a failed save keeps the old file.
void save_model(Model& model, const std::string& path, const std::string& kcell_version);

// Loads a model file and checks it whole: the format version, every member's CRC, that
// exactly the tensors the architecture needs are present with their exact shapes, float32
// little-endian in C order, and no other members. Throws Status::format naming the member
// and the problem (Status::io if the file cannot be opened).
std::unique_ptr<Model> load_model(const std::string& path);

// The same from `size` bytes in memory; messages call it "<memory buffer>".
std::unique_ptr<Model> load_model_from_memory(const void* data, size_t size);

// The pieces of load_model, for readers of files that hold model files (ensemble_file.hpp):
// a model from an open archive, and a text member of at most 64 MB with its CRC checked.
std::unique_ptr<Model> read_model(io::ZipArchive& zip);
std::string read_text_member(io::ZipArchive& zip, const std::string& name);

}  // namespace kcell::model
