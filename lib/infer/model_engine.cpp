#include "infer/model_engine.hpp"

#include <mutex>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::infer {

std::shared_ptr<InferenceEngine> inference_engine(model::Model& model) {
  model::Model::InferenceSlot& slot = model.inference_slot();
  std::lock_guard<std::mutex> lock(slot.mutex);
  const uint64_t version = model.weights_generation();
  const Precision precision = slot.bf16 ? Precision::bf16 : Precision::fp32;
  if (!slot.engine || slot.engine->weights_version() != version ||
      slot.engine->precision() != precision) {
    slot.engine.reset();  // its idle contexts go now; leases still out keep it alive
    slot.engine = std::make_shared<InferenceEngine>(model, precision, version);
  }
  return slot.engine;
}

bool precision_supported(Precision precision) {
  return precision == Precision::fp32 || nn::compat::cpu_has_bf16();
}

void set_inference_precision(model::Model& model, Precision precision) {
  if (!precision_supported(precision))
    fail(Status::unsupported,
         "bf16 inference needs a CPU with AVX-512 BF16 (or AMX); this one has neither");
  model::Model::InferenceSlot& slot = model.inference_slot();
  std::lock_guard<std::mutex> lock(slot.mutex);
  slot.bf16 = precision == Precision::bf16;
}

Precision inference_precision(const model::Model& model) {
  model::Model::InferenceSlot& slot = model.inference_slot();
  std::lock_guard<std::mutex> lock(slot.mutex);
  return slot.bf16 ? Precision::bf16 : Precision::fp32;
}

}  // namespace kcell::infer
