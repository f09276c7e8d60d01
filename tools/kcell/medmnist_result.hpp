// MedMNIST's result file: the CSV that medmnist.Evaluator.evaluate(y_score, save_folder, run)
// writes, so that kcell's scores drop into MedMNIST's tooling (Evaluator.parse_and_evaluate
// reads it back). One row per image, "index,score_0,...,score_k-1", no header; named
// {flag}_{split}_[AUC]{auc:.3f}_[ACC]{acc:.3f}@{run}.csv with AUC and ACC computed as
// MedMNIST's getAUC / getACC compute them from those scores.
#pragma once

#include <kcell/kcell.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kcell_cli {

// MedMNIST's metrics of n rows of k scores against labels 0..k-1: with k = 2 (its
// "binary-class" task) the AUC of the last column and the accuracy of "last column > 0.5";
// otherwise (multi-class and ordinal regression) the mean over classes of the one-vs-rest
// AUC and the accuracy of the argmax (the first of equal scores, as numpy's). AUC is
// scikit-learn's roc_auc_score: the Mann-Whitney statistic, ties counting one half.
// Throws Failure when a class has no images or all of them (the AUC is undefined and
// MedMNIST's evaluator stops there too).
struct MedmnistMetrics {
  double auc = 0.0;
  double acc = 0.0;
};
MedmnistMetrics medmnist_metrics(const std::vector<float>& scores,
                                 const std::vector<int32_t>& labels, int k);

// The same for MedMNIST's "multi-label, binary-class" task: n rows of k sigmoid scores
// against n × k labels of 0 / 1; AUC the mean over labels of each label's roc_auc_score,
// ACC the mean over labels of the accuracy of "score > 0.5". Throws Failure as above when a
// label has no positives or no negatives.
MedmnistMetrics medmnist_multi_label_metrics(const std::vector<float>& scores,
                                             const std::vector<int32_t>& labels, int k);

// The file's name: {flag}_{split}_[AUC]{auc:.3f}_[ACC]{acc:.3f}@{run}.csv.
std::string medmnist_result_name(const std::string& flag, const std::string& split,
                                 const MedmnistMetrics& m, const std::string& run);

// The file's text: "i,s_0,...,s_k-1\n" per row, each score the shortest decimal that reads
// back as the same float (as pandas writes float32).
std::string medmnist_result_csv(const std::vector<float>& scores, int k);

// The dataset flag MedMNIST names the file after: the data file's name without folders
// and ".npz" ("pathmnist_64" for .../pathmnist_64.npz, as MedMNIST's flag and size flag).
std::string medmnist_flag_of(const std::string& data_path);

// Predicts every image of `split` (batches through kcell_predict) and writes the result
// file into the folder `dir` (created if absent). Returns the file's path.
std::string write_medmnist_result(const kcell::Model& model, const kcell::Dataset& dataset,
                                  kcell_split split, const std::string& dir,
                                  const std::string& flag, const std::string& run);

}  // namespace kcell_cli
