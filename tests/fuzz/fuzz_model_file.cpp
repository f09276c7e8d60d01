// Fuzzes model-file loading through the C API, as a program loading an untrusted file
// would: any input is a model or a format error with a message. A model that loads must
// save and load again to the same bytes.
#include <kcell/kcell.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"

using kcell::fuzz::bug;
using kcell::fuzz::saved_model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kcell_model* model = kcell::fuzz::loaded_model(data, size);
  if (model == nullptr) return 0;
  kcell_model_info info;
  info.struct_size = sizeof info;
  if (kcell_model_get_info(model, &info) != KCELL_OK) bug("a loaded model has no info");
  const std::string first = saved_model(model);
  kcell_model* again = nullptr;
  if (kcell_model_load_from_memory(first.data(), first.size(), &again) != KCELL_OK)
    bug(std::string("a saved model does not load: ") + kcell_last_error());
  if (saved_model(again) != first) bug("save, load, save gives different bytes");
  kcell_model_free(again);
  kcell_model_free(model);
  return 0;
}
