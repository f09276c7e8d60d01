#include "train/task_loss.hpp"

#include "common/error.hpp"
#include "train/class_weights.hpp"

namespace kcell::train {
namespace {

[[noreturn]] void refuse(const char* what) {
  fail(Status::invalid_argument,
       std::string(what) +
           " needs one class per image; the model is multi-label (use positive weights "
           "for imbalanced labels, docs/multi-label.md)");
}

}  // namespace

TaskLoss::TaskLoss(const model::Model& model, const data::Split& train, const TrainConfig& config) {
  const int k = model.num_classes();
  if (model.multi_label()) {
    if (!config.loss.class_weights.empty()) refuse("class weights");
    if (config.balanced_sampler) refuse("the balanced sampler");
    if (config.decision == DecisionFit::validation_priors ||
        config.decision == DecisionFit::balanced)
      refuse("a decision bias");
    infer::BinaryLossOptions options;
    options.label_smoothing = config.loss.label_smoothing;
    if (config.auto_pos_weights) {
      if (!config.pos_weights.empty())
        fail(Status::invalid_argument,
             "give either explicit positive weights or automatic ones, not both");
      options.pos_weights = positive_weights(train.labels.data(), train.count, k);
    } else {
      options.pos_weights = config.pos_weights;
    }
    binary_ = std::make_unique<infer::SigmoidBinaryCrossEntropy>(k, std::move(options));
    return;
  }
  if (!config.pos_weights.empty() || config.auto_pos_weights)
    fail(Status::invalid_argument,
         "positive weights are for multi-label models; this model is multi-class (use class "
         "weights)");
  infer::LossOptions options = config.loss;
  if (config.auto_class_weights) {
    if (!options.class_weights.empty())
      fail(Status::invalid_argument,
           "give either explicit class weights or automatic ones, not both");
    options.class_weights =
        inverse_frequency_weights(train.labels.data(), train.count, k, config.class_weight_power);
  }
  softmax_ = std::make_unique<infer::SoftmaxCrossEntropy>(k, std::move(options));
}

infer::BatchLoss TaskLoss::compute(const float* logits, const int32_t* labels, int n,
                                   float* dlogits) const {
  return binary_ ? binary_->compute(logits, labels, n, dlogits, nullptr)
                 : softmax_->compute(logits, labels, n, dlogits, nullptr);
}

infer::BatchLoss TaskLoss::compute_mixed(const float* logits, const int32_t* labels_a,
                                         const int32_t* labels_b, double lambda, int n,
                                         float* dlogits) const {
  return binary_ ? binary_->compute_mixed(logits, labels_a, labels_b, lambda, n, dlogits)
                 : softmax_->compute_mixed(logits, labels_a, labels_b, lambda, n, dlogits);
}

}  // namespace kcell::train
