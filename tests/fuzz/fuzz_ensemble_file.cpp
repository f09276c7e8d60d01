// Fuzzes ensemble files through the C API, as a program loading an untrusted file would:
// any input is a model or a format error with a message. An input starting with "PK" is a
// whole file (the zip directory, the manifest, nested member model files and their sizes);
// any other input is taken as the manifest kcell.json of a zip that also holds two valid
// member model files, so that the fuzzer reaches the manifest's rules without first having
// to forge the zip's CRCs. An ensemble that loads must have 1 to 64 members that predict
// together, and must save and load again to the same bytes.
#include <kcell/kcell.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "io/zip_writer.hpp"

using kcell::fuzz::bug;
using kcell::fuzz::saved_model;

namespace {

// A small valid model file (seed decides the weights), made once.
std::string member_file(uint64_t seed) {
  kcell_model* model = nullptr;
  if (kcell_model_create("flatten dense", 1, 2, 3, 2, seed, &model) != KCELL_OK)
    bug(std::string("cannot make a member: ") + kcell_last_error());
  std::string bytes = saved_model(model);
  kcell_model_free(model);
  return bytes;
}

// The input as manifest, with members/0.kcell and members/1.kcell.
std::vector<uint8_t> wrapped_manifest(const uint8_t* data, size_t size) {
  static const std::string members[2] = {member_file(1), member_file(2)};
  kcell::io::ZipWriter zip;
  zip.add("kcell.json", data, size);
  for (int i = 0; i < 2; ++i)
    zip.add("members/" + std::to_string(i) + ".kcell", members[i].data(), members[i].size());
  return zip.finish();
}

// One image of zeros through the ensemble: the members must agree on the input and the
// classes, so the mean of their probabilities is a distribution.
void check_predicts(const kcell_model* model) {
  kcell_model_info info;
  info.struct_size = sizeof info;
  if (kcell_model_get_info(model, &info) != KCELL_OK) bug("a loaded model has no info");
  const size_t pixels = static_cast<size_t>(info.channels) * static_cast<size_t>(info.height) *
                        static_cast<size_t>(info.width);
  if (pixels > 4096 || info.num_classes > 1024) return;  // fast inputs only
  const std::vector<uint8_t> image(pixels, 0);
  std::vector<float> p(static_cast<size_t>(info.num_classes));
  if (kcell_predict(model, image.data(), 1, KCELL_LAYOUT_NCHW, p.data(), p.size()) != KCELL_OK)
    bug(std::string("a loaded ensemble does not predict: ") + kcell_last_error());
  double sum = 0;
  for (float v : p) {
    if (!std::isfinite(v) || v < 0) bug("a loaded ensemble predicts a non-probability");
    sum += v;
  }
  if (std::fabs(sum - 1) > 1e-3) bug("a loaded ensemble's probabilities do not sum to 1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool one_thread = kcell_set_num_threads(1) == KCELL_OK;  // tiny predictions
  if (!one_thread) bug("kcell_set_num_threads(1) failed");
  std::vector<uint8_t> file;
  if (size >= 2 && data[0] == 'P' && data[1] == 'K')
    file.assign(data, data + size);
  else
    file = wrapped_manifest(data, size);
  kcell_model* model = kcell::fuzz::loaded_model(file.data(), file.size());
  if (model == nullptr) return 0;
  size_t members = 0;
  if (kcell_model_member_count(model, &members) != KCELL_OK || members < 1 || members > 64)
    bug("a loaded model has no member count from 1 to 64");
  check_predicts(model);
  const std::string first = saved_model(model);
  kcell_model* again = nullptr;
  if (kcell_model_load_from_memory(first.data(), first.size(), &again) != KCELL_OK)
    bug(std::string("a saved ensemble does not load: ") + kcell_last_error());
  size_t members_again = 0;
  if (kcell_model_member_count(again, &members_again) != KCELL_OK || members_again != members)
    bug("a saved ensemble loads with another member count");
  if (saved_model(again) != first) bug("save, load, save gives different bytes");
  kcell_model_free(again);
  kcell_model_free(model);
  return 0;
}
