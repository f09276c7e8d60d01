// Classification metrics against tests/fixtures/metrics/metrics_cases.txt, written by the
// independent numpy implementation beside it, plus AUC by brute force and input checks.
#include <doctest/doctest.h>

#include <cfloat>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "infer/metrics.hpp"

using kcell::Error;
using kcell::Status;
using kcell::infer::compute_metrics;
using kcell::infer::Metrics;
using kcell::infer::MetricsAccumulator;
using kcell::infer::roc_auc;

namespace {

struct Case {
  std::string name;
  size_t n = 0;
  int k = 0;
  std::vector<float> probs;
  std::vector<int32_t> labels;
  std::vector<float> losses;  // empty: computed from probs
  std::map<std::string, std::vector<double>> expect;
};

template <class T>
T number(const std::string& text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  REQUIRE_MESSAGE((ec == std::errc() && end == text.data() + text.size()), "bad number " << text);
  return value;
}

std::vector<Case> read_cases() {
  std::ifstream in(std::string(KCELL_FIXTURES_DIR) + "/metrics/metrics_cases.txt");
  REQUIRE(in.good());
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind, a, b;
    words >> kind;
    if (kind == "case") {
      cases.emplace_back();
      words >> cases.back().name >> a >> b;
      cases.back().n = number<size_t>(a);
      cases.back().k = number<int>(b);
    } else if (kind == "sample") {
      Case& c = cases.back();
      words >> a >> b;
      c.labels.push_back(number<int32_t>(a));
      if (b != "-") c.losses.push_back(number<float>(b));
      for (int j = 0; j < c.k && words >> a; ++j) c.probs.push_back(number<float>(a));
    } else if (kind == "expect") {
      words >> a;
      std::vector<double>& values = cases.back().expect[a];
      while (words >> b) values.push_back(number<double>(b));
    }
  }
  for (const Case& c : cases) {
    REQUIRE(c.labels.size() == c.n);
    REQUIRE(c.probs.size() == c.n * static_cast<size_t>(c.k));
    REQUIRE((c.losses.empty() || c.losses.size() == c.n));
  }
  return cases;
}

// Equal within 1e-9 relative (absolute near 0); NaN only equals NaN.
bool close(double got, double want) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  return std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want));
}

void check_against(const Metrics& m, const Case& c) {
  auto scalar = [&](const char* key, double got) {
    CAPTURE(key);
    REQUIRE(c.expect.count(key) == 1);
    CHECK(close(got, c.expect.at(key).at(0)));
  };
  scalar("loss", m.loss);
  scalar("accuracy", m.accuracy);
  scalar("balanced_accuracy", m.balanced_accuracy);
  scalar("macro_f1", m.macro_f1);
  scalar("auc", m.auc);
  scalar("auc_classes", m.auc_classes);
  CHECK(m.count == c.n);
  CHECK(m.num_classes == c.k);
  const auto& confusion = c.expect.at("confusion");
  REQUIRE(m.confusion.size() == confusion.size());
  for (size_t i = 0; i < confusion.size(); ++i)
    CHECK(m.confusion[i] == static_cast<int64_t>(confusion[i]));
  REQUIRE(m.classes.size() == static_cast<size_t>(c.k));
  for (size_t j = 0; j < m.classes.size(); ++j) {
    CAPTURE(j);
    CHECK(m.classes[j].support == static_cast<int64_t>(c.expect.at("support")[j]));
    CHECK(m.classes[j].predicted == static_cast<int64_t>(c.expect.at("predicted")[j]));
    CHECK(close(m.classes[j].precision, c.expect.at("precision")[j]));
    CHECK(close(m.classes[j].recall, c.expect.at("recall")[j]));
    CHECK(close(m.classes[j].f1, c.expect.at("f1")[j]));
    CHECK(close(m.classes[j].auc, c.expect.at("class_auc")[j]));
  }
}

bool identical(const Metrics& a, const Metrics& b) {
  auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  if (!(a.count == b.count && same(a.loss, b.loss) && same(a.accuracy, b.accuracy) &&
        same(a.balanced_accuracy, b.balanced_accuracy) && same(a.macro_f1, b.macro_f1) &&
        same(a.auc, b.auc) && a.auc_classes == b.auc_classes && a.confusion == b.confusion))
    return false;
  for (size_t j = 0; j < a.classes.size(); ++j)
    if (!same(a.classes[j].auc, b.classes[j].auc) || !same(a.classes[j].f1, b.classes[j].f1))
      return false;
  return true;
}

double brute_force_auc(const std::vector<float>& scores, const std::vector<uint8_t>& truth) {
  double won = 0, pairs = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    for (size_t j = 0; j < scores.size(); ++j)
      if (truth[i] && !truth[j]) {
        won += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
        pairs += 1;
      }
  return won / pairs;
}

Status status_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.status();
  }
  return Status::ok;
}

}  // namespace

TEST_CASE("metrics match the numpy reference on every committed case, ties included") {
  const std::vector<Case> cases = read_cases();
  REQUIRE(cases.size() == 8);
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const Metrics m = compute_metrics(c.probs.data(), c.labels.data(), c.n, c.k,
                                      c.losses.empty() ? nullptr : c.losses.data());
    check_against(m, c);
  }
}

TEST_CASE("the accumulator fed in uneven batches gives exactly the one-shot metrics") {
  for (const Case& c : read_cases()) {
    CAPTURE(c.name);
    const float* losses = c.losses.empty() ? nullptr : c.losses.data();
    MetricsAccumulator acc(c.k);
    acc.add(c.probs.data(), c.labels.data(), 0);  // an empty batch is allowed
    for (size_t start = 0; start < c.n; start += 7) {
      const size_t n = std::min<size_t>(7, c.n - start);
      acc.add(c.probs.data() + start * static_cast<size_t>(c.k), c.labels.data() + start, n,
              losses ? losses + start : nullptr);
    }
    CHECK(acc.count() == c.n);
    CHECK(identical(acc.compute(),
                    compute_metrics(c.probs.data(), c.labels.data(), c.n, c.k, losses)));
    acc.clear();
    CHECK(acc.count() == 0);
    CHECK(status_of([&] { acc.compute(); }) == Status::invalid_argument);
  }
}

TEST_CASE("roc_auc counts tied positive-negative pairs as half, like scikit-learn") {
  const float scores[] = {0.1f, 0.4f, 0.35f, 0.8f};
  const uint8_t truth[] = {0, 0, 1, 1};
  CHECK(roc_auc(scores, truth, 4) == 0.75);
  const float tied[] = {0.5f, 0.5f, 0.5f};
  const uint8_t mixed[] = {1, 0, 0};
  CHECK(roc_auc(tied, mixed, 3) == 0.5);
  const uint8_t none[] = {0, 0, 0};
  CHECK(std::isnan(roc_auc(tied, none, 3)));
  const uint8_t all[] = {1, 1, 1};
  CHECK(std::isnan(roc_auc(tied, all, 3)));
}

TEST_CASE("roc_auc equals brute-force pair counting on heavily tied scores") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 20);
  std::bernoulli_distribution coin(0.3);
  std::vector<float> scores(1500);
  std::vector<uint8_t> truth(1500);
  for (size_t i = 0; i < scores.size(); ++i) {
    truth[i] = coin(rng);
    scores[i] = static_cast<float>(level(rng) + (truth[i] ? 3 : 0)) / 25.f;
  }
  const double got = roc_auc(scores.data(), truth.data(), scores.size());
  CHECK(close(got, brute_force_auc(scores, truth)));
  CHECK(got > 0.6);
}

// One-vs-rest AUC of each class by counting every (positive, negative) pair, ties half:
// the definition, O(n^2), for checking the sort-based computation.
static double pairwise_macro_auc(const std::vector<float>& probs,
                                 const std::vector<int32_t>& labels, size_t n, int k) {
  double sum = 0;
  for (int c = 0; c < k; ++c) {
    double wins = 0, pairs = 0;
    for (size_t i = 0; i < n; ++i) {
      if (labels[i] != c) continue;
      for (size_t j = 0; j < n; ++j) {
        if (labels[j] == c) continue;
        const float p = probs[i * k + c], q = probs[j * k + c];
        wins += p > q ? 1.0 : p == q ? 0.5 : 0.0;
        pairs += 1;
      }
    }
    sum += wins / pairs;
  }
  return sum / k;
}

TEST_CASE("the AUC of many samples and 8 classes is the pairwise definition's") {
  const size_t n = 50000, checked = 4000;
  const int k = 8;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> probs(n * k);
  std::vector<int32_t> labels(n);
  for (size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int32_t>(rng() % k);
    float sum = 0;
    // Rounded to 1/64 so that ties between samples occur and count half.
    for (int c = 0; c < k; ++c)
      sum += probs[i * k + c] = std::round((u(rng) + (c == labels[i] ? 0.5f : 0.f)) * 64) / 64;
    for (int c = 0; c < k; ++c) probs[i * k + c] /= sum;
  }
  const Metrics first = compute_metrics(probs.data(), labels.data(), checked, k);
  CHECK(first.auc == doctest::Approx(pairwise_macro_auc(probs, labels, checked, k)).epsilon(1e-9));
  const Metrics all = compute_metrics(probs.data(), labels.data(), n, k);
  CHECK(all.auc_classes == k);
  CHECK(all.auc > 0.7);
  CHECK(all.auc < 1.0);
}

TEST_CASE("bad inputs are rejected with a message naming the sample") {
  const float probs[] = {0.2f, 0.8f, 0.6f, 0.4f};
  const int32_t labels[] = {1, 2};
  std::string message;
  CHECK(status_of([&] { compute_metrics(probs, labels, 2, 2); }, &message) ==
        Status::invalid_argument);
  CHECK(message == "metrics: label 2 of sample 1 is outside 0..1");

  const int32_t good[] = {1, 0};
  const float nan_probs[] = {0.2f, 0.8f, NAN, 0.4f};
  CHECK(status_of([&] { compute_metrics(nan_probs, good, 2, 2); }, &message) == Status::not_finite);
  CHECK(message == "metrics: the probability of class 0 for sample 1 is not finite");

  const float bad_losses[] = {0.1f, INFINITY};
  CHECK(status_of([&] { compute_metrics(probs, good, 2, 2, bad_losses); }) == Status::not_finite);
  CHECK(status_of([&] { compute_metrics(probs, good, 0, 2); }) == Status::invalid_argument);
  CHECK(status_of([&] { compute_metrics(probs, good, 2, 1); }) == Status::invalid_argument);
  CHECK(status_of([&] { compute_metrics(nullptr, good, 2, 2); }) == Status::invalid_argument);
  CHECK(status_of([&] { MetricsAccumulator bad(0); }) == Status::invalid_argument);

  MetricsAccumulator acc(2);
  acc.add(probs, good, 2);
  CHECK(status_of([&] { acc.add(probs, labels, 2); }, &message) == Status::invalid_argument);
  CHECK(message == "metrics: label 2 of sample 3 is outside 0..1");  // counts across batches
  CHECK(acc.count() == 2);  // the rejected batch left nothing behind
}

TEST_CASE("a zero probability for the true label costs -log(FLT_MIN), not infinity") {
  const float probs[] = {1.f, 0.f, 0.5f, 0.5f};
  const int32_t labels[] = {1, 0};
  const Metrics m = compute_metrics(probs, labels, 2, 2);
  CHECK(close(m.loss, (-std::log(static_cast<double>(FLT_MIN)) + std::log(2.0)) / 2));
  CHECK(m.confusion_at(1, 0) == 1);
  CHECK(m.confusion_at(0, 0) == 1);  // a tied row predicts its first class
}
