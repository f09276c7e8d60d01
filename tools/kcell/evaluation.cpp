#include "evaluation.hpp"

#include <algorithm>
#include <cstdio>

#include "class_names.hpp"
#include "common.hpp"

namespace kcell_cli {

Evaluation evaluate_split(kcell_model* model, const kcell_dataset* dataset, kcell_split split,
                          const std::string& where) {
  size_t count = 0;
  int dataset_classes = 0;
  check(kcell_dataset_count(dataset, split, &count), where);
  check(kcell_dataset_num_classes(dataset, &dataset_classes), where);
  if (count == 0) throw Failure(where + ": has no " + split_name(split) + " split");
  if (dataset_classes == 0)
    throw Failure(where + ": has no labels to evaluate against (use kcell predict)");

  Evaluation e;
  e.split = split;
  e.class_names = model_class_names(model);
  const size_t k = e.class_names.size();
  e.metrics.struct_size = sizeof e.metrics;
  e.per_class.resize(k);
  e.confusion.resize(k * k);
  check(kcell_evaluate_details(model, dataset, split, &e.metrics, e.per_class.data(),
                               e.per_class.size(), e.confusion.data(), e.confusion.size()),
        std::string(split_name(split)) + " evaluation failed");
  size_t bias_count = 0;
  e.decision_bias.resize(k);
  check(kcell_model_decision_bias(model, e.decision_bias.data(), k, &bias_count), where);
  e.decision_bias.resize(bias_count);
  return e;
}

void print_evaluation(const Evaluation& e, bool per_class_table) {
  const char* split = split_name(e.split);
  const kcell_metrics& m = e.metrics;
  std::printf("%s: %zu images  loss %.4f  accuracy %.4f  balanced accuracy %.4f  AUC %.4f\n",
              split, m.count, m.loss, m.accuracy, m.balanced_accuracy, m.auc);
  if (!e.decision_bias.empty()) {
    std::printf("%s decision: class bias fitted on validation (", split);
    for (size_t c = 0; c < e.decision_bias.size(); ++c)
      std::printf("%s%+.3f", c ? " " : "", e.decision_bias[c]);
    std::printf("); plain argmax: accuracy %.4f  balanced accuracy %.4f\n", m.argmax_accuracy,
                m.argmax_balanced_accuracy);
  }
  std::printf("%s recall per class:", split);
  for (const auto& c : e.per_class) std::printf(" %.3f", c.recall);
  std::printf("\n");
  if (!per_class_table) return;

  const size_t k = e.classes();
  const int name_width = 30;
  std::printf("  %-3s %-*s %9s %7s %7s %8s\n", "#", name_width, "class", "precision", "recall",
              "f1", "support");
  for (size_t c = 0; c < k; ++c) {
    std::string name = e.class_names[c];
    if (name.size() > static_cast<size_t>(name_width)) name = name.substr(0, name_width - 3) + "...";
    const kcell_class_metrics& pc = e.per_class[c];
    std::printf("  %-3zu %-*s %9.3f %7.3f %7.3f %8lld\n", c, name_width, name.c_str(),
                pc.precision, pc.recall, pc.f1, static_cast<long long>(pc.support));
  }
  // Column width from the largest count, so big splits stay aligned.
  uint64_t largest = 0;
  for (uint64_t n : e.confusion) largest = std::max(largest, n);
  const int width = std::max(4, static_cast<int>(std::to_string(largest).size()) + 1);
  std::printf("  confusion (rows: true class, columns: predicted)\n  %3s", "");
  for (size_t p = 0; p < k; ++p) std::printf("%*zu", width, p);
  std::printf("\n");
  for (size_t t = 0; t < k; ++t) {
    std::printf("  %3zu", t);
    for (size_t p = 0; p < k; ++p)
      std::printf("%*llu", width, static_cast<unsigned long long>(e.cell(t, p)));
    std::printf("\n");
  }
}

}  // namespace kcell_cli
