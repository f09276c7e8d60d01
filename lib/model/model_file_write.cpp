// Saving: metadata first (so tools listing the zip see it at once), then every parameter
// and buffer as a .npy member.
#include "common/atomic_file.hpp"
#include "io/npy_writer.hpp"
#include "io/zip_writer.hpp"
#include "model/model_file.hpp"
#include "model/model_file_metadata.hpp"

namespace kcell::model {
namespace {

template <class Tensor>
void add_tensor(io::ZipWriter& zip, const Tensor& t) {
  const std::vector<uint8_t> npy = io::npy_float32(t.shape, t.value.data(), t.value.size());
  zip.add(t.name + ".npy", npy.data(), npy.size());
}

}  // namespace

std::vector<uint8_t> save_model_to_memory(Model& model, const std::string& kcell_version) {
  io::ZipWriter zip;
  const std::string json = metadata_to_json(metadata_of(model, kcell_version));
  zip.add(kMetadataMember, json.data(), json.size());
  for (const nn::Param* p : model.network().params()) add_tensor(zip, *p);
  for (const nn::Buffer* b : model.network().buffers()) add_tensor(zip, *b);
  return zip.finish();
}

void save_model(Model& model, const std::string& path, const std::string& kcell_version) {
  const std::vector<uint8_t> bytes = save_model_to_memory(model, kcell_version);
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace kcell::model
