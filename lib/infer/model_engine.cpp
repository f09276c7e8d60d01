#include "infer/model_engine.hpp"

#include <cmath>
#include <mutex>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::infer {

// What lib/infer keeps in each model (Model::inference_state()); every field under `mutex`.
struct InferenceSlot {
  std::mutex mutex;
  std::shared_ptr<InferenceEngine> engine;
  Precision precision = Precision::fp32;  // asked for by set_inference_precision()
  // int8 calibration: every inference-graph value's range on calibration images, for the
  // weights of generation calibration_generation (empty when not calibrated).
  std::vector<float> calibration_lo, calibration_hi;
  uint64_t calibration_generation = 0;
  // Networks given back by GradientNetworkLease, all of weights generation idle_version.
  std::vector<std::unique_ptr<nn::Network>> idle_networks;
  uint64_t idle_version = 0;
};

// Idle gradient networks kept per model: one per concurrent caller is reused, more are
// dropped (each holds a copy of the weights).
constexpr size_t kMaxIdleNetworks = 2;

namespace {

InferenceSlot& slot_of(const model::Model& model) {
  model::Model::InferenceState& state = model.inference_state();
  std::call_once(state.once, [&] { state.slot = std::make_shared<InferenceSlot>(); });
  return *state.slot;
}

const char* const kNotCalibrated =
    "int8 inference needs a calibration of the model's current weights: call "
    "kcell_model_calibrate_int8() (again after training)";

bool calibrated(const model::Model& model, const InferenceSlot& slot) {
  return !slot.calibration_lo.empty() && slot.calibration_generation == model.weights_generation();
}

}  // namespace

std::shared_ptr<InferenceEngine> inference_engine(model::Model& model) {
  InferenceSlot& slot = slot_of(model);
  std::lock_guard<std::mutex> lock(slot.mutex);
  const uint64_t version = model.weights_generation();
  const Precision precision = slot.precision;
  if (!slot.engine || slot.engine->weights_version() != version ||
      slot.engine->precision() != precision) {
    slot.engine.reset();  // its idle contexts go now; leases still out keep it alive
    ValueRanges ranges;
    if (precision == Precision::int8) {
      if (!calibrated(model, slot)) fail(Status::invalid_argument, kNotCalibrated);
      ranges = {slot.calibration_lo, slot.calibration_hi};
    }
    slot.engine = std::make_shared<InferenceEngine>(model, precision, version, std::move(ranges));
  }
  return slot.engine;
}

std::shared_ptr<InferenceEngine> calibration_engine(model::Model& model) {
  return std::make_shared<InferenceEngine>(model, Precision::fp32, model.weights_generation());
}

void set_calibration(model::Model& model, const InferenceEngine& engine, ValueRanges ranges) {
  if (ranges.lo.size() != engine.graph().values.size())
    fail(Status::invalid_argument, "int8 calibration needs at least one image");
  for (size_t v = 0; v < ranges.lo.size(); ++v)
    if (!std::isfinite(ranges.lo[v]) || !std::isfinite(ranges.hi[v]))
      fail(Status::invalid_argument,
           "int8 calibration: the model computes non-finite values on these images");
  InferenceSlot& slot = slot_of(model);
  std::lock_guard<std::mutex> lock(slot.mutex);
  slot.calibration_lo = std::move(ranges.lo);
  slot.calibration_hi = std::move(ranges.hi);
  slot.calibration_generation = engine.weights_version();
  if (slot.precision == Precision::int8)
    slot.engine.reset();  // the next call quantises with the new ranges
}

bool precision_supported(Precision precision) {
  return precision != Precision::bf16 || nn::compat::cpu_has_bf16();
}

void set_inference_precision(model::Model& model, Precision precision) {
  if (!precision_supported(precision))
    fail(Status::unsupported,
         "bf16 inference needs a CPU with AVX-512 BF16 (or AMX); this one has neither");
  InferenceSlot& slot = slot_of(model);
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (precision == Precision::int8 && !calibrated(model, slot))
    fail(Status::invalid_argument, kNotCalibrated);
  slot.precision = precision;
}

Precision inference_precision(const model::Model& model) {
  InferenceSlot& slot = slot_of(model);
  std::lock_guard<std::mutex> lock(slot.mutex);
  return slot.precision;
}

GradientNetworkLease::GradientNetworkLease(const model::Model& model)
    : model_(model), version_(model.weights_generation()) {
  InferenceSlot& slot = slot_of(model);
  {
    std::lock_guard<std::mutex> lock(slot.mutex);
    if (slot.idle_version != version_) slot.idle_networks.clear();
    if (!slot.idle_networks.empty()) {
      network_ = std::move(slot.idle_networks.back());
      slot.idle_networks.pop_back();
      return;
    }
  }
  network_ = std::make_unique<nn::Network>(model.architecture(), model.channels(), model.height(),
                                           model.width(), model.num_classes(), model.seed());
  network_->copy_weights_from(model.network());
}

GradientNetworkLease::~GradientNetworkLease() {
  InferenceSlot& slot = slot_of(model_);
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (model_.weights_generation() != version_) return;  // stale: dropped
  if (slot.idle_version != version_) {
    slot.idle_networks.clear();
    slot.idle_version = version_;
  }
  if (slot.idle_networks.size() < kMaxIdleNetworks)
    slot.idle_networks.push_back(std::move(network_));
}

}  // namespace kcell::infer
