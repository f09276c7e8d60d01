// Multi-label data (labels (N, L) of 0 / 1): reading it, the binary cross-entropy against
// its definition and finite differences, MedMNIST's multi-label metrics against brute
// force, automatic positive weights, sigmoid outputs and TTA averaging, and model files
// that record the task.
#include <doctest/doctest.h>

#include <algorithm>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "data/dataset.hpp"
#include "data/dataset_build.hpp"
#include "infer/bce_loss.hpp"
#include "infer/multilabel_metrics.hpp"
#include "infer/predict.hpp"
#include "infer/tta.hpp"
#include "io/zip_writer.hpp"
#include "model/model_file.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"
#include "train/class_weights.hpp"

using kcell::Error;
using kcell::Status;
namespace data = kcell::data;
namespace infer = kcell::infer;

namespace {

// A .npy of uint8 values: version 1.0 header padded to 64 bytes, as numpy writes it.
std::vector<uint8_t> npy_u1(const std::string& shape, const std::vector<uint8_t>& values) {
  std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  const uint8_t preamble[10] = {0x93,
                                'N',
                                'U',
                                'M',
                                'P',
                                'Y',
                                1,
                                0,
                                static_cast<uint8_t>(header.size() & 0xff),
                                static_cast<uint8_t>(header.size() >> 8)};
  // Sized once and filled by copies: GCC 12 misreads inserts into a braced vector
  // (-Warray-bounds).
  std::vector<uint8_t> out(sizeof preamble + header.size() + values.size());
  std::copy(preamble, preamble + sizeof preamble, out.begin());
  std::copy(header.begin(), header.end(), out.begin() + sizeof preamble);
  std::copy(values.begin(), values.end(), out.begin() + sizeof preamble + header.size());
  return out;
}

// A .npz of 2×2 grey images with `labels` (shape text and values) for train and test.
std::string write_npz(const std::string& name, const std::string& train_shape,
                      const std::vector<uint8_t>& train_labels, const std::string& test_shape,
                      const std::vector<uint8_t>& test_labels, size_t train_n, size_t test_n) {
  kcell::io::ZipWriter zip;
  const auto add = [&](const std::string& member, const std::vector<uint8_t>& bytes) {
    zip.add(member, bytes.data(), bytes.size());
  };
  add("train_images.npy",
      npy_u1("(" + std::to_string(train_n) + ", 2, 2)", std::vector<uint8_t>(train_n * 4, 9)));
  add("train_labels.npy", npy_u1(train_shape, train_labels));
  add("test_images.npy",
      npy_u1("(" + std::to_string(test_n) + ", 2, 2)", std::vector<uint8_t>(test_n * 4, 9)));
  add("test_labels.npy", npy_u1(test_shape, test_labels));
  const std::string path = "multi_label_" + name + ".npz";
  kcell::test::write_bytes(path, zip.finish());
  return path;
}

double bce(double z, double t, double w) {
  // -log s(z) = log(1 + e^-z) and -log(1 - s(z)) = z + log(1 + e^-z), written without
  // 1 - s(z) (which loses its digits at z = 30).
  const double minus_log_p = std::log1p(std::exp(-z));
  return w * t * minus_log_p + (1.0 - t) * (z + minus_log_p);
}

}  // namespace

TEST_CASE("npz labels (N, L) of 0 / 1 open as a multi-label dataset of L labels") {
  const std::string path = write_npz("good", "(3, 4)", {1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1},
                                     "(2, 4)", {0, 1, 0, 0, 1, 0, 1, 0}, 3, 2);
  const data::Dataset d = data::open_dataset(path, {});
  CHECK(d.multi_label());
  CHECK(d.num_classes == 4);
  CHECK(d.split(data::SplitId::train).label_width == 4);
  CHECK(d.split(data::SplitId::train).labels ==
        std::vector<int32_t>{1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1});
  CHECK(data::class_histogram(d, data::SplitId::train) == std::vector<size_t>{2, 1, 1, 2});
  // (N, 1) stays one class per image (MedMNIST's binary tasks).
  const data::Dataset binary =
      data::open_dataset(write_npz("binary", "(3, 1)", {1, 0, 1}, "(2, 1)", {0, 1}, 3, 2), {});
  CHECK_FALSE(binary.multi_label());
  CHECK(binary.num_classes == 2);
}

TEST_CASE("multi-label files with other values or mixed label widths are refused") {
  kcell::test::check_error(
      [&] {
        data::open_dataset(
            write_npz("two", "(2, 3)", {0, 2, 1, 0, 0, 0}, "(1, 3)", {0, 0, 1}, 2, 1), {});
      },
      Status::format, "image 0, label 1 is 2", "must be 0 or 1");
  kcell::test::check_error(
      [&] {
        data::open_dataset(write_npz("mixed", "(2, 3)", {0, 1, 1, 0, 0, 0}, "(1, 1)", {0}, 2, 1),
                           {});
      },
      Status::format, "1 label(s) per image where another split has 3");
  data::OpenOptions wrong;
  wrong.num_classes = 5;
  kcell::test::check_error(
      [&] {
        data::open_dataset(
            write_npz("count", "(2, 3)", {0, 1, 1, 0, 0, 0}, "(1, 3)", {0, 0, 1}, 2, 1), wrong);
      },
      Status::format, "3 labels per image but 5 classes");
}

TEST_CASE("binary cross-entropy equals its definition with positive weights and smoothing") {
  const int n = 3, L = 2;
  const std::vector<float> z = {2.f, -1.f, 0.5f, 30.f, -40.f, 0.f};
  const std::vector<int32_t> y = {1, 0, 0, 1, 1, 0};
  infer::BinaryLossOptions options;
  options.pos_weights = {3.f, 0.5f};
  options.label_smoothing = 0.1f;
  const infer::SigmoidBinaryCrossEntropy loss(L, options);
  std::vector<float> grad(6), probs(6);
  const infer::BatchLoss l = loss.compute(z.data(), y.data(), n, grad.data(), probs.data());
  const double eps = options.label_smoothing;  // the float 0.1f, as the loss reads it
  double expected = 0.0;
  for (int i = 0; i < n * L; ++i)
    expected += bce(z[i], y[i] * (1 - eps) + eps / 2, options.pos_weights[i % L]);
  expected /= n * L;
  CHECK(l.loss == doctest::Approx(expected).epsilon(1e-12));
  CHECK(l.weight == n);
  CHECK(l.decisions == 6);
  // Wrong: row 1, label 0 (p(0.5) > 0.5, label 0) and row 2, label 0 (p(-40), label 1);
  // p(0) = 0.5 is not above 0.5, so row 2, label 1 (label 0) is right.
  CHECK(l.correct == 4);
  for (int i = 0; i < n * L; ++i) CHECK(probs[i] == doctest::Approx(1 / (1 + std::exp(-z[i]))));
  // Finite differences of the mean loss (the large logits are far in the flat tails).
  for (int i : {0, 1, 2, 5}) {
    std::vector<float> plus = z, minus = z;
    plus[i] += 1e-2f;
    minus[i] -= 1e-2f;
    const double numeric = (loss.compute(plus.data(), y.data(), n, nullptr, nullptr).loss -
                            loss.compute(minus.data(), y.data(), n, nullptr, nullptr).loss) /
                           2e-2;
    CHECK(grad[i] == doctest::Approx(numeric).epsilon(1e-4));
  }
  // Mixing: the loss of the blended target.
  const std::vector<int32_t> other = {0, 1, 1, 1, 0, 0};
  const infer::BatchLoss mixed =
      loss.compute_mixed(z.data(), y.data(), other.data(), 0.3, n, nullptr);
  double blended = 0.0;
  for (int i = 0; i < n * L; ++i)
    blended +=
        bce(z[i], (0.3 * y[i] + 0.7 * other[i]) * (1 - eps) + eps / 2, options.pos_weights[i % L]);
  CHECK(mixed.loss == doctest::Approx(blended / (n * L)).epsilon(1e-12));
  kcell::test::check_error(
      [&] {
        infer::SigmoidBinaryCrossEntropy(2, {{1.f}, 0.f});
      },
      Status::invalid_argument, "expected 2 weights");
  const std::vector<int32_t> bad = {0, 2, 0, 0, 0, 0};
  kcell::test::check_error([&] { loss.compute(z.data(), bad.data(), n, nullptr, nullptr); },
                           Status::invalid_argument, "must be 0 or 1");
}

TEST_CASE("multi-label metrics are MedMNIST's: mean per-label accuracy and AUC") {
  kcell::SplitMix64 rng(5);
  const size_t n = 40;
  const int L = 3;
  std::vector<float> p(n * L);
  std::vector<int32_t> y(n * L);
  for (size_t i = 0; i < n * L; ++i) {
    y[i] = rng.uniform01() < 0.3 + 0.2 * static_cast<double>(i % L);
    // Informative but imperfect, with ties (rounded to tenths).
    p[i] = static_cast<float>(std::round(10 * (0.35 * y[i] + 0.65 * rng.uniform01())) / 10);
  }
  const infer::Metrics m = infer::compute_multilabel_metrics(p.data(), y.data(), n, L);
  double acc = 0.0, auc = 0.0;
  for (int l = 0; l < L; ++l) {
    size_t right = 0, tp = 0, positives = 0, said = 0;
    double won = 0.0, pairs = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const bool truth = y[i * L + l] == 1, yes = p[i * L + l] > 0.5f;
      right += truth == yes;
      tp += truth && yes;
      positives += truth;
      said += yes;
      for (size_t j = 0; j < n; ++j)
        if (truth && y[j * L + l] == 0) {
          pairs += 1;
          won += p[i * L + l] > p[j * L + l] ? 1.0 : p[i * L + l] == p[j * L + l] ? 0.5 : 0.0;
        }
    }
    acc += static_cast<double>(right) / n;
    auc += won / pairs;
    CHECK(m.classes[l].auc == doctest::Approx(won / pairs).epsilon(1e-12));
    CHECK(m.classes[l].support == static_cast<int64_t>(positives));
    CHECK(m.classes[l].predicted == static_cast<int64_t>(said));
    CHECK(m.classes[l].recall == doctest::Approx(static_cast<double>(tp) / positives));
  }
  CHECK(m.accuracy == doctest::Approx(acc / L).epsilon(1e-12));
  CHECK(m.auc == doctest::Approx(auc / L).epsilon(1e-12));
  CHECK(m.auc_classes == L);
  CHECK(m.confusion.empty());
}

TEST_CASE("automatic positive weights are negatives / positives, clamped to [0.01, 100]") {
  // 200 images: label 0 has 1 positive, label 1 has 50, label 2 none, label 3 all but 1.
  const size_t n = 200;
  std::vector<int32_t> y(n * 4, 0);
  y[0] = 1;
  for (size_t i = 0; i < 50; ++i) y[i * 4 + 1] = 1;
  for (size_t i = 1; i < n; ++i) y[i * 4 + 3] = 1;
  const std::vector<float> w = kcell::train::positive_weights(y.data(), n, 4);
  CHECK(w[0] == doctest::Approx(100.0));  // 199, clamped
  CHECK(w[1] == doctest::Approx(3.0));
  CHECK(w[2] == 1.f);                    // no positives
  CHECK(w[3] == doctest::Approx(0.01));  // 1 / 199, clamped
}

TEST_CASE("a multi-label model gives sigmoid probabilities and averages them over TTA views") {
  auto m = kcell::test::make_test_model();
  m->set_task(data::TaskKind::multi_label);
  std::vector<uint8_t> images(2 * 64);
  for (size_t i = 0; i < images.size(); ++i) images[i] = static_cast<uint8_t>(i * 37 % 251);
  std::vector<float> plain(2 * 3), viewed(2 * 3);
  infer::predict(*m, images.data(), 2, infer::Layout::nchw, plain.data());
  float row_sum = plain[0] + plain[1] + plain[2];
  CHECK(row_sum != doctest::Approx(1.0));  // not a softmax
  for (float p : plain) CHECK((p > 0.f && p < 1.f));
  // Flips TTA: the mean of the two views' sigmoids.
  std::vector<uint8_t> mirrored(images.size());
  for (int i = 0; i < 2; ++i)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) mirrored[i * 64 + y * 8 + x] = images[i * 64 + y * 8 + 7 - x];
  std::vector<float> mirror_p(6);
  infer::predict(*m, mirrored.data(), 2, infer::Layout::nchw, mirror_p.data());
  m->set_tta(kcell::model::Tta::flips);
  infer::predict(*m, images.data(), 2, infer::Layout::nchw, viewed.data());
  for (size_t i = 0; i < 6; ++i)
    CHECK(viewed[i] == doctest::Approx((plain[i] + mirror_p[i]) / 2).epsilon(1e-5));
  // Extreme logits stay finite.
  const float logits[3] = {-200.f, 0.f, 200.f};
  float out[3];
  infer::sigmoid_values(logits, 3, out);
  CHECK(out[0] == 0.f);
  CHECK(out[1] == 0.5f);
  CHECK(out[2] == 1.f);
}

TEST_CASE("a multi-label model refuses a decision bias, temperature and conformal sets") {
  auto m = kcell::test::make_test_model();
  m->set_decision_bias({0.1f, 0.f, 0.f});
  m->set_task(data::TaskKind::multi_label);
  CHECK(m->decision_bias().empty());  // dropped with the change of task
  kcell::test::check_error(
      [&] {
        m->set_decision_bias({0.1f, 0.f, 0.f});
      },
      Status::invalid_argument, "multi-label");
  kcell::test::check_error([&] { m->set_temperature(2.0); }, Status::invalid_argument,
                           "temperature scaling");
  kcell::test::check_error(
      [&] {
        m->set_conformal(kcell::model::Conformal{0.1, 0.5, 10});
      },
      Status::invalid_argument, "conformal");
}

TEST_CASE("model files record a multi-label task (version 3); multi-class ones stay version 1") {
  auto m = kcell::test::make_test_model();
  const std::vector<uint8_t> plain = kcell::model::save_model_to_memory(*m, "t");
  CHECK(kcell::model::load_model_from_memory(plain.data(), plain.size())->task() ==
        data::TaskKind::multi_class);
  const std::string text(plain.begin(), plain.end());
  CHECK(text.find("\"format_version\": 1") != std::string::npos);
  m->set_task(data::TaskKind::multi_label);
  const std::vector<uint8_t> bytes = kcell::model::save_model_to_memory(*m, "t");
  const std::string meta(bytes.begin(), bytes.end());
  CHECK(meta.find("\"format_version\": 3") != std::string::npos);
  CHECK(meta.find("\"task\": \"multi-label\"") != std::string::npos);
  const auto loaded = kcell::model::load_model_from_memory(bytes.data(), bytes.size());
  CHECK(loaded->multi_label());
  std::vector<uint8_t> images(64, 100);
  std::vector<float> a(3), b(3);
  infer::predict(*m, images.data(), 1, infer::Layout::nchw, a.data());
  infer::predict(*loaded, images.data(), 1, infer::Layout::nchw, b.data());
  CHECK(a == b);
}
