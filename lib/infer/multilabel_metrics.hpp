// Metrics of a multi-label model from its sigmoid probabilities and 0/1 labels, as
// MedMNIST's evaluator computes them (medmnist/evaluator.py, getACC / getAUC for the
// "multi-label, binary-class" task): ACC is the mean over labels of the accuracy of
// "probability > 0.5", AUC the mean over labels of each label's ROC AUC.
#pragma once

#include <cstddef>
#include <cstdint>

#include "infer/metrics.hpp"

namespace kcell::infer {

// probs, labels: n × L (labels 0 or 1). The result's fields for L labels:
//   accuracy           mean over labels of the share of images with (p > 0.5) == label;
//   auc                mean over the labels whose AUC is defined (some positives and some
//                      negatives; MedMNIST would fail on the others), auc_classes of them;
//   balanced_accuracy  mean over labels of the mean recall of the label's classes present
//                      (positives and negatives: scikit-learn's balanced_accuracy_score of
//                      that label);
//   macro_f1           mean F1 over labels that occur in the labels or the decisions;
//   classes[l]         support = positives, predicted = images with p > 0.5, precision,
//                      recall, F1 and AUC of label l;
//   loss               mean binary cross-entropy over every element, each log floored at
//                      log(FLT_MIN);
//   confusion          empty (there is no single class per image).
// Throws as compute_metrics (a label other than 0 or 1 is invalid_argument).
Metrics compute_multilabel_metrics(const float* probs, const int32_t* labels, size_t n, int L);

}  // namespace kcell::infer
