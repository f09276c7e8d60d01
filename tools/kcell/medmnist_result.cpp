#include "medmnist_result.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <numeric>

#include "common.hpp"
#include "text_file.hpp"

namespace kcell_cli {
namespace {

// roc_auc_score of `positive` against the rest by `score`: the mean rank of the positives
// among all rows (ties get their average rank), as the Mann-Whitney U.
double one_vs_rest_auc(const std::vector<double>& score, const std::vector<bool>& positive,
                       const std::string& what) {
  const size_t n = score.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rank_sum = 0.0;
  size_t positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[order[j]] == score[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t t = i; t < j; ++t)
      if (positive[order[t]]) {
        rank_sum += rank;
        ++positives;
      }
    i = j;
  }
  const size_t negatives = n - positives;
  if (positives == 0 || negatives == 0)
    throw Failure("MedMNIST's AUC is undefined: " + what + " has " +
                  (positives == 0 ? "no images" : "every image") + " of the split");
  const double p = static_cast<double>(positives);
  return (rank_sum - p * (p + 1.0) / 2.0) / (p * static_cast<double>(negatives));
}

std::string format_3f(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", v);
  return text;
}

}  // namespace

MedmnistMetrics medmnist_metrics(const std::vector<float>& scores,
                                 const std::vector<int32_t>& labels, int k) {
  const size_t n = labels.size(), kk = static_cast<size_t>(k);
  MedmnistMetrics m;
  std::vector<double> column(n);
  std::vector<bool> positive(n);
  size_t correct = 0;
  if (k == 2) {
    for (size_t i = 0; i < n; ++i) {
      column[i] = scores[i * kk + 1];
      positive[i] = labels[i] == 1;
      correct += (column[i] > 0.5) == positive[i];
    }
    m.auc = one_vs_rest_auc(column, positive, "class 1");
  } else {
    for (int c = 0; c < k; ++c) {
      for (size_t i = 0; i < n; ++i) {
        column[i] = scores[i * kk + static_cast<size_t>(c)];
        positive[i] = labels[i] == c;
      }
      m.auc += one_vs_rest_auc(column, positive, "class " + std::to_string(c)) / k;
    }
    for (size_t i = 0; i < n; ++i) {
      const float* row = scores.data() + i * kk;
      correct += std::max_element(row, row + kk) - row == labels[i];
    }
  }
  m.acc = n == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(n);
  return m;
}

MedmnistMetrics medmnist_multi_label_metrics(const std::vector<float>& scores,
                                             const std::vector<int32_t>& labels, int k) {
  const size_t kk = static_cast<size_t>(k), n = labels.size() / kk;
  MedmnistMetrics m;
  std::vector<double> column(n);
  std::vector<bool> positive(n);
  for (size_t l = 0; l < kk; ++l) {
    size_t correct = 0;
    for (size_t i = 0; i < n; ++i) {
      column[i] = scores[i * kk + l];
      positive[i] = labels[i * kk + l] == 1;
      correct += (column[i] > 0.5) == positive[i];
    }
    m.auc += one_vs_rest_auc(column, positive, "label " + std::to_string(l)) / k;
    m.acc += n == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(n) / k;
  }
  return m;
}

std::string medmnist_result_name(const std::string& flag, const std::string& split,
                                 const MedmnistMetrics& m, const std::string& run) {
  return flag + "_" + split + "_[AUC]" + format_3f(m.auc) + "_[ACC]" + format_3f(m.acc) + "@" +
         run + ".csv";
}

std::string medmnist_result_csv(const std::vector<float>& scores, int k) {
  const size_t kk = static_cast<size_t>(k), n = scores.size() / kk;
  std::string out;
  out.reserve(n * kk * 12);
  char text[32];
  for (size_t i = 0; i < n; ++i) {
    out += std::to_string(i);
    for (size_t c = 0; c < kk; ++c) {
      const auto done = std::to_chars(text, text + sizeof text, scores[i * kk + c]);
      out += ',';
      out.append(text, done.ptr);
    }
    out += '\n';
  }
  return out;
}

std::string medmnist_flag_of(const std::string& data_path) {
  std::string name = data_path;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  const size_t slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npz") == 0)
    name.resize(name.size() - 4);
  return name;
}

std::string write_medmnist_result(const kcell::Model& model, const kcell::Dataset& dataset,
                                  kcell_split split, const std::string& dir,
                                  const std::string& flag, const std::string& run) {
  const kcell_model_info info = model.info();
  const int k = info.num_classes;
  const bool multi_label = info.task == KCELL_TASK_MULTI_LABEL;
  const size_t n = dataset.count(split);
  const std::vector<int> chw = dataset.shape();
  const size_t image =
      static_cast<size_t>(chw[0]) * static_cast<size_t>(chw[1]) * static_cast<size_t>(chw[2]);
  std::vector<float> scores;
  scores.reserve(n * static_cast<size_t>(k));
  std::vector<int32_t> labels(multi_label ? n * static_cast<size_t>(k) : n);
  constexpr size_t kBatch = 512;
  std::vector<uint8_t> pixels;
  for (size_t first = 0; first < n; first += kBatch) {
    const size_t m = std::min(kBatch, n - first);
    pixels.resize(m * image);
    for (size_t i = 0; i < m; ++i) {
      kcell::check(kcell_dataset_image(dataset.get(), split, first + i, pixels.data() + i * image,
                                       image, nullptr));
      const size_t width = multi_label ? static_cast<size_t>(k) : 1;
      kcell::check(kcell_dataset_labels(dataset.get(), split, first + i,
                                        &labels[(first + i) * width], width));
    }
    const std::vector<float> p = model.predict(pixels.data(), m);
    scores.insert(scores.end(), p.begin(), p.end());
  }
  const MedmnistMetrics metrics = multi_label ? medmnist_multi_label_metrics(scores, labels, k)
                                              : medmnist_metrics(scores, labels, k);
  make_directory(dir);
  const std::string path = dir + "/" + medmnist_result_name(flag, split_name(split), metrics, run);
  write_text_file(path, medmnist_result_csv(scores, k));
  return path;
}

}  // namespace kcell_cli
