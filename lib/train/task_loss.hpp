// The training loss of a model's task: softmax cross-entropy (with class weights) for a
// multi-class model, binary cross-entropy (with positive weights) for a multi-label one.
// Settings that only make sense for the other task are refused here, before training
// changes anything.
#pragma once

#include <memory>

#include "data/dataset.hpp"
#include "infer/bce_loss.hpp"
#include "infer/loss.hpp"
#include "model/model.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

class TaskLoss {
 public:
  // Builds the loss from `config` and the training split (automatic weights). Multi-label
  // models ignore automatic class weights (on in the recipe: class weights are a softmax
  // notion) and refuse explicit class weights, the balanced sampler and a decision-bias
  // fit other than none / automatic; multi-class models refuse positive weights. Throws
  // invalid_argument naming the setting.
  TaskLoss(const model::Model& model, const data::Split& train, const TrainConfig& config);

  // As SoftmaxCrossEntropy / SigmoidBinaryCrossEntropy: labels have one value per row, or
  // L per row for a multi-label model.
  infer::BatchLoss compute(const float* logits, const int32_t* labels, int n, float* dlogits) const;
  infer::BatchLoss compute_mixed(const float* logits, const int32_t* labels_a,
                                 const int32_t* labels_b, double lambda, int n,
                                 float* dlogits) const;

 private:
  std::unique_ptr<infer::SoftmaxCrossEntropy> softmax_;
  std::unique_ptr<infer::SigmoidBinaryCrossEntropy> binary_;
};

}  // namespace kcell::train
