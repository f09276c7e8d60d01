// Fuzzes model-file loading through the C API, as a program loading an untrusted file
// would: any input is a model or a format error with a message. A model that loads must
// save and load again to the same bytes.
#include <kcell/kcell.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_support.hpp"

using kcell::fuzz::bug;

namespace {

// Saves `model` to memory, or aborts.
std::string saved(const kcell_model* model) {
  void* bytes = nullptr;
  size_t size = 0;
  if (kcell_model_save_to_memory(model, &bytes, &size) != KCELL_OK)
    bug(std::string("a loaded model does not save: ") + kcell_last_error());
  std::string out(static_cast<const char*>(bytes), size);
  kcell_free(bytes);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kcell_model* model = nullptr;
  const kcell_status status = kcell_model_load_from_memory(data, size, &model);
  if (status != KCELL_OK) {
    if (status != KCELL_ERROR_FORMAT)
      bug(std::string("load gave ") + kcell_status_string(status) + ": " + kcell_last_error());
    if (model != nullptr) bug("a failed load wrote its out-parameter");
    if (std::strlen(kcell_last_error()) == 0) bug("a format error without a message");
    return 0;
  }
  kcell_model_info info;
  info.struct_size = sizeof info;
  if (kcell_model_get_info(model, &info) != KCELL_OK) bug("a loaded model has no info");
  const std::string first = saved(model);
  kcell_model* again = nullptr;
  if (kcell_model_load_from_memory(first.data(), first.size(), &again) != KCELL_OK)
    bug(std::string("a saved model does not load: ") + kcell_last_error());
  if (saved(again) != first) bug("save, load, save gives different bytes");
  kcell_model_free(again);
  kcell_model_free(model);
  return 0;
}
