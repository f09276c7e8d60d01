// Loading: the metadata decides the architecture and shapes; every tensor must then be
// present exactly as that architecture needs it. Nothing is trusted before it is checked.
#include <set>

#include "common/error.hpp"
#include "io/printable.hpp"
#include "io/zip_archive.hpp"
#include "io/zip_members.hpp"
#include "model/model_file.hpp"
#include "model/model_file_metadata.hpp"
#include "model/tensor_values.hpp"
#include "spec/summary.hpp"

namespace kcell::model {
namespace {

// kcell.json is a few kB; class names can make it larger, but not this large.
constexpr uint64_t kMaxMetadataBytes = 64ull << 20;
// The most an uncompressed byte count can exceed the archive's size (deflate's limit).
constexpr uint64_t kMaxExpansion = 1032;

// Runs body(); an error that is not already a format, I/O or memory error is a property of
// the file's content here, so it becomes a format error prefixed with `where`.
template <class Body>
auto as_format_error(const std::string& where, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& e) {
    if (e.status() == Status::format || e.status() == Status::io ||
        e.status() == Status::out_of_memory)
      throw;
    fail(Status::format, where + ": " + e.what());
  }
}

}  // namespace

std::string read_text_member(io::ZipArchive& zip, const std::string& name) {
  const std::vector<uint8_t> bytes =
      io::read_member_bytes(zip, name, kMaxMetadataBytes, "the metadata");
  return std::string(bytes.begin(), bytes.end());
}

namespace {

// Reads member `name` as a float32 array of exactly `shape` into `values`.
void read_tensor(io::ZipArchive& zip, const std::string& name, const std::vector<int64_t>& shape,
                 std::vector<float>& values) {
  values = io::read_float32_member(zip, name, std::vector<uint64_t>(shape.begin(), shape.end()),
                                   "the architecture");
  check_tensor_values(zip.member_label(name), values);
}

}  // namespace

std::unique_ptr<Model> read_model(io::ZipArchive& zip) {
  const std::string& file = zip.path();
  if (!zip.has_member(kMetadataMember))
    fail(Status::format,
         file + ": not a kcell model file (it has no " + std::string(kMetadataMember) + " member)");
  const std::string where = file + ": " + kMetadataMember;
  const ModelMetadata meta = metadata_from_json(read_text_member(zip, kMetadataMember), where);

  spec::Architecture arch = as_format_error(
      where + ": architecture", [&] { return spec::parse_architecture(meta.architecture); });
  // Before building anything: the architecture must fit the input, and the weights it
  // declares must fit in the archive's bytes (a small hostile file cannot ask for gigabytes).
  const spec::Summary summary = as_format_error(where, [&] {
    return spec::summarize(arch, meta.channels, meta.height, meta.width, meta.num_classes);
  });
  if (static_cast<uint64_t>(summary.total_params) / kMaxExpansion >
      zip.size_bytes() / sizeof(float))
    fail(Status::format, where + ": the architecture has " + std::to_string(summary.total_params) +
                             " parameters, more than the file's " +
                             std::to_string(zip.size_bytes()) + " bytes can hold");

  auto model = as_format_error(where, [&] {
    return std::make_unique<Model>(std::move(arch), meta.channels, meta.height, meta.width,
                                   meta.num_classes, meta.seed);
  });
  as_format_error(where + ": normalization", [&] { model->set_normalization(meta.normalization); });
  as_format_error(where + ": class_names", [&] { model->set_class_names(meta.class_names); });
  model->set_task(meta.task);  // before the bias and calibration, which it refuses
  as_format_error(where + ": decision_bias",
                  [&] { model->set_decision_bias(meta.decision_bias, meta.decision_rule); });
  as_format_error(where + ": tta", [&] { model->set_tta(meta.tta); });
  as_format_error(where + ": temperature", [&] { model->set_temperature(meta.temperature); });
  as_format_error(where + ": conformal", [&] { model->set_conformal(meta.conformal); });
  model->set_training_summary(meta.training);

  std::vector<nn::Param*> params = model->network().params();
  std::vector<nn::Buffer*> buffers = model->network().buffers();
  std::vector<std::string> param_names, buffer_names;
  std::set<std::string> expected = {kMetadataMember};
  for (const nn::Param* p : params) {
    param_names.push_back(p->name);
    expected.insert(p->name + ".npy");
  }
  for (const nn::Buffer* b : buffers) {
    buffer_names.push_back(b->name);
    expected.insert(b->name + ".npy");
  }
  if (meta.parameters != param_names || meta.buffers != buffer_names)
    fail(Status::format, where + ": its tensor list does not match the tensors of architecture '" +
                             meta.architecture + "'");
  for (const std::string& member : zip.member_names())
    if (expected.count(member) == 0)
      fail(Status::format, file + ": unexpected member '" + io::printable(member) +
                               "' (not a tensor of the architecture)");
  for (const std::string& member : expected)
    if (!zip.has_member(member))
      fail(Status::format,
           file + ": member '" + member + "' is missing; the architecture needs it");

  for (nn::Param* p : params) read_tensor(zip, p->name + ".npy", p->shape, p->value);
  for (nn::Buffer* b : buffers) read_tensor(zip, b->name + ".npy", b->shape, b->value);
  model->network().weights_changed();
  return model;
}

std::unique_ptr<Model> load_model(const std::string& path) {
  io::ZipArchive zip(path);
  return read_model(zip);
}

std::unique_ptr<Model> load_model_from_memory(const void* data, size_t size) {
  io::ZipArchive zip(data, size, "<memory buffer>");
  return read_model(zip);
}

}  // namespace kcell::model
