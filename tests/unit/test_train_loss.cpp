// Softmax cross-entropy: values, gradients and PyTorch's weighting / smoothing semantics,
// and the mixed loss of mixup / cutmix batches.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "infer/loss.hpp"

using kcell::infer::BatchLoss;
using kcell::infer::LossOptions;
using kcell::infer::SoftmaxCrossEntropy;

namespace {

// Logits and labels of a 3×4 batch; expected numbers come from
// torch.nn.functional.cross_entropy in float64 (torch 1.13).
const std::vector<float> logits3x4 = {0.5f,  -1.0f, 2.0f,  0.25f, 3.0f, 0.0f,
                                      -2.0f, 1.0f,  -0.5f, 1.5f,  0.5f, -1.0f};
const std::vector<int32_t> labels3 = {0, 3, 1};
// Two label sets of one mixed batch.
const std::vector<int32_t>& labels_a = labels3;
const std::vector<int32_t> labels_b = {2, 3, 0};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Central finite differences of `loss_of(z)` with respect to each logit.
template <class LossOf>
std::vector<double> numeric_gradient(LossOf loss_of, std::vector<float> z) {
  std::vector<double> g(z.size());
  const float h = 1e-2f;
  for (size_t i = 0; i < z.size(); ++i) {
    const float keep = z[i];
    z[i] = keep + h;
    const double up = loss_of(z);
    z[i] = keep - h;
    const double down = loss_of(z);
    z[i] = keep;
    g[i] = (up - down) / (2.0 * h);
  }
  return g;
}

// ... of the mean loss of labels y.
std::vector<double> numeric_gradient(const SoftmaxCrossEntropy& loss, std::vector<float> z,
                                     const std::vector<int32_t>& y) {
  const int n = static_cast<int>(y.size());
  return numeric_gradient(
      [&](const std::vector<float>& x) {
        return loss.compute(x.data(), y.data(), n, nullptr, nullptr).loss;
      },
      std::move(z));
}

}  // namespace

TEST_CASE("cross-entropy of one row equals log-sum-exp minus the label's logit") {
  const SoftmaxCrossEntropy loss(3, {});
  const float z[] = {1.f, 2.f, 3.f};
  const int32_t y[] = {2};
  float d[3], p[3];
  const BatchLoss l = loss.compute(z, y, 1, d, p);
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  CHECK(l.loss == doctest::Approx(lse - 3.0).epsilon(1e-7));
  CHECK(l.weight == 1.0);
  CHECK(l.correct == 1);
  for (int j = 0; j < 3; ++j) {
    const double pj = std::exp(z[j] - lse);
    CHECK(p[j] == doctest::Approx(pj).epsilon(1e-6));
    CHECK(d[j] == doctest::Approx(pj - (j == 2 ? 1.0 : 0.0)).epsilon(1e-6));
  }
}

TEST_CASE("cross-entropy with class weights and label smoothing matches PyTorch") {
  const SoftmaxCrossEntropy loss(4, LossOptions{{1.f, 2.f, 0.5f, 3.f}, 0.1f});
  std::vector<float> d(12);
  const BatchLoss l = loss.compute(logits3x4.data(), labels3.data(), 3, d.data(), nullptr);
  CHECK(l.loss == doctest::Approx(1.580048272301989).epsilon(1e-6));
  CHECK(l.weight == doctest::Approx(1.0 + 3.0 + 2.0));
  const double expected[12] = {-0.12685424968926295,  -0.0022391093591245465, 0.12032242731881275,
                               0.008770931729574752,  0.39611794210191625,    0.01159566385003178,
                               0.0006137631450990411, -0.4083273690970471,    0.02375607558549345,
                               -0.10201062439614109,  0.07381854953145911,    0.004435999279188499};
  for (int i = 0; i < 12; ++i) CHECK(d[i] == doctest::Approx(expected[i]).epsilon(1e-5));
}

TEST_CASE("label smoothing without weights matches PyTorch's smoothed target") {
  const SoftmaxCrossEntropy loss(4, LossOptions{{}, 0.2f});
  std::vector<float> d(12);
  const BatchLoss l = loss.compute(logits3x4.data(), labels3.data(), 3, d.data(), nullptr);
  CHECK(l.loss == doctest::Approx(1.6310226167406063).epsilon(1e-6));
  const double expected[12] = {-0.23192172490527926, -0.005195186244626599, 0.2137441769138436,
                               0.023372734236062277, 0.2630081691541773,    -0.002742476494883181,
                               -0.01478223244592789, -0.24548346021336626,  0.01178963116992963,
                               -0.07306815225084441, 0.06068557064777149,   0.0005929504331432686};
  for (int i = 0; i < 12; ++i) CHECK(d[i] == doctest::Approx(expected[i]).epsilon(1e-5));
}

TEST_CASE("cross-entropy gradient matches finite differences, with and without options") {
  const LossOptions cases[] = {LossOptions{}, LossOptions{{0.3f, 1.f, 2.f, 0.7f}, 0.f},
                               LossOptions{{}, 0.15f}, LossOptions{{0.3f, 1.f, 2.f, 0.7f}, 0.3f}};
  for (const LossOptions& options : cases) {
    const SoftmaxCrossEntropy loss(4, options);
    std::vector<float> d(12);
    loss.compute(logits3x4.data(), labels3.data(), 3, d.data(), nullptr);
    const std::vector<double> numeric = numeric_gradient(loss, logits3x4, labels3);
    for (size_t i = 0; i < d.size(); ++i)
      CHECK(d[i] == doctest::Approx(numeric[i]).epsilon(1e-3).scale(1e-2));
  }
}

TEST_CASE("cross-entropy stays finite for huge logits (log-sum-exp)") {
  const SoftmaxCrossEntropy loss(3, {});
  const float z[] = {1000.f, -1000.f, 0.f, -1e30f, 1e30f, 3.f};
  const int32_t y[] = {1, 1};
  float d[6], p[6];
  const BatchLoss l = loss.compute(z, y, 2, d, p);
  CHECK(std::isfinite(l.loss));
  CHECK(l.loss == doctest::Approx(1000.0));  // row 0: 2000, row 1: 0; mean 1000
  for (float v : d) CHECK(std::isfinite(v));
  CHECK(p[0] == doctest::Approx(1.0));
  CHECK(p[4] == doctest::Approx(1.0));
  CHECK(l.correct == 1);
}

TEST_CASE("a batch whose labels all weigh zero contributes no loss and no gradient") {
  const SoftmaxCrossEntropy loss(3, LossOptions{{0.f, 1.f, 1.f}, 0.1f});
  const float z[] = {1.f, 2.f, 3.f, 0.f, 0.f, 0.f};
  const int32_t y[] = {0, 0};
  float d[6];
  const BatchLoss l = loss.compute(z, y, 2, d, nullptr);
  CHECK(l.loss == 0.0);
  CHECK(l.weight == 0.0);
  for (float v : d) CHECK(v == 0.f);
}

TEST_CASE("ties in the logits count the first largest class as the prediction") {
  const SoftmaxCrossEntropy loss(3, {});
  const float z[] = {2.f, 2.f, 1.f, 2.f, 2.f, 1.f};
  const int32_t y[] = {0, 1};
  CHECK(loss.compute(z, y, 2, nullptr, nullptr).correct == 1);
  CHECK(kcell::infer::argmax(z, 3) == 0);
}

TEST_CASE("bad loss settings and labels are rejected with invalid_argument") {
  auto status_of = [](auto&& f) {
    try {
      f();
    } catch (const kcell::Error& e) {
      return e.status();
    }
    return kcell::Status::ok;
  };
  using kcell::Status;
  CHECK(status_of([] {
          SoftmaxCrossEntropy(3, LossOptions{{1.f, 1.f}, 0.f});
        }) == Status::invalid_argument);
  CHECK(status_of([] {
          SoftmaxCrossEntropy(2, LossOptions{{1.f, -1.f}, 0.f});
        }) == Status::invalid_argument);
  CHECK(status_of([] {
          SoftmaxCrossEntropy(2, LossOptions{{0.f, 0.f}, 0.f});
        }) == Status::invalid_argument);
  CHECK(status_of([] {
          SoftmaxCrossEntropy(2, LossOptions{{}, 1.f});
        }) == Status::invalid_argument);
  CHECK(status_of([] {
          SoftmaxCrossEntropy(2, LossOptions{{}, -0.1f});
        }) == Status::invalid_argument);
  CHECK(status_of([] {
          const SoftmaxCrossEntropy loss(2, {});
          const float z[] = {0.f, 1.f};
          const int32_t y[] = {2};
          loss.compute(z, y, 1, nullptr, nullptr);
        }) == Status::invalid_argument);
}

TEST_CASE("a mixed loss with share 1 is exactly the plain loss and gradient") {
  const SoftmaxCrossEntropy loss(4, LossOptions{{1.f, 2.f, 0.5f, 3.f}, 0.1f});
  std::vector<float> plain(12), mixed(12);
  const BatchLoss p = loss.compute(logits3x4.data(), labels_a.data(), 3, plain.data(), nullptr);
  const BatchLoss m =
      loss.compute_mixed(logits3x4.data(), labels_a.data(), labels_b.data(), 1.0, 3, mixed.data());
  CHECK(m.loss == p.loss);
  CHECK(m.sum == p.sum);
  CHECK(m.weight == p.weight);
  CHECK(m.correct == p.correct);
  CHECK(same_bits(mixed, plain));
  // Share 0 is the plain loss of the other labels.
  const BatchLoss q = loss.compute(logits3x4.data(), labels_b.data(), 3, plain.data(), nullptr);
  const BatchLoss n =
      loss.compute_mixed(logits3x4.data(), labels_a.data(), labels_b.data(), 0.0, 3, mixed.data());
  CHECK(n.loss == q.loss);
  CHECK(n.correct == q.correct);
  CHECK(same_bits(mixed, plain));
}

TEST_CASE("a mixed loss is the shares' blend of two plain losses, with its gradient") {
  const SoftmaxCrossEntropy loss(4, LossOptions{{1.f, 2.f, 0.5f, 3.f}, 0.1f});
  const double lambda = 0.3;
  std::vector<float> da(12), db(12), d(12);
  const BatchLoss a = loss.compute(logits3x4.data(), labels_a.data(), 3, da.data(), nullptr);
  const BatchLoss b = loss.compute(logits3x4.data(), labels_b.data(), 3, db.data(), nullptr);
  const BatchLoss m =
      loss.compute_mixed(logits3x4.data(), labels_a.data(), labels_b.data(), lambda, 3, d.data());
  CHECK(m.loss == doctest::Approx(lambda * a.loss + (1 - lambda) * b.loss).epsilon(1e-12));
  CHECK(m.weight == doctest::Approx(lambda * a.weight + (1 - lambda) * b.weight));
  CHECK(m.sum / m.weight == doctest::Approx(m.loss).epsilon(1e-12));
  CHECK(m.correct == b.correct);  // the larger share's labels
  for (size_t j = 0; j < d.size(); ++j)
    CHECK(d[j] == doctest::Approx(lambda * da[j] + (1 - lambda) * db[j]).epsilon(1e-6));

  const std::vector<double> numeric = numeric_gradient(
      [&](const std::vector<float>& z) {
        return loss.compute_mixed(z.data(), labels_a.data(), labels_b.data(), lambda, 3, nullptr)
            .loss;
      },
      logits3x4);
  for (size_t i = 0; i < d.size(); ++i) CHECK(d[i] == doctest::Approx(numeric[i]).epsilon(1e-3));
  CHECK_THROWS_AS(
      loss.compute_mixed(logits3x4.data(), labels_a.data(), labels_b.data(), 1.5, 3, nullptr),
      kcell::Error);
}
