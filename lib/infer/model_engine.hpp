// The inference engine of a model's current weights, kept in the model
// (Model::inference_state()) and rebuilt on first use after the weights change (training,
// fine-tuning, loading: anything that calls Network::weights_changed()).
#pragma once

#include <memory>
#include <vector>

#include "infer/inference_engine.hpp"
#include "model/model.hpp"
#include "nn/network.hpp"

namespace kcell::infer {

// The engine for the model's current weights and inference precision, built here (under
// the model's inference lock, so once) when there is none or it is stale. Safe to call from
// several threads at once, but not while the model's weights are being changed.
std::shared_ptr<InferenceEngine> inference_engine(model::Model& model);

// int8 calibration: an fp32 engine of the model's current weights (whatever the model's
// inference precision) whose record_ranges() widens ranges over calibration images; then
// set_calibration() with them, which replaces any earlier calibration.
std::shared_ptr<InferenceEngine> calibration_engine(model::Model& model);
void set_calibration(model::Model& model, const InferenceEngine& engine, ValueRanges ranges);

// Whether this CPU can run `precision` (bf16 needs AVX-512 BF16 or AMX).
bool precision_supported(Precision precision);

// Sets the arithmetic of the model's later predictions and evaluations. Throws
// Error(Status::unsupported) when this CPU cannot run it, and Error(invalid_argument) for
// int8 without a calibration of the current weights.
void set_inference_precision(model::Model& model, Precision precision);
Precision inference_precision(const model::Model& model);

// A private copy of the model's network, with its current weights, for backward passes at
// inference (saliency maps): leased from the model's slot so that later calls reuse it and
// the oneDNN primitives it built (building them is most of a batch-1 call's time), and
// given back on destruction unless the weights changed meanwhile. Each lease is one
// thread's; the model's own network is never written.
class GradientNetworkLease {
 public:
  explicit GradientNetworkLease(const model::Model& model);
  ~GradientNetworkLease();
  GradientNetworkLease(const GradientNetworkLease&) = delete;
  GradientNetworkLease& operator=(const GradientNetworkLease&) = delete;
  nn::Network& network() { return *network_; }

 private:
  const model::Model& model_;
  std::unique_ptr<nn::Network> network_;
  uint64_t version_ = 0;
};

}  // namespace kcell::infer
