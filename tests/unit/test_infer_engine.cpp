// The inference engine (lib/infer): folded batch norms and fused ReLUs / residual adds give
// the training network's inference results to within float rounding, for the presets and
// for the odd corners of the spec grammar, at batch sizes on both sides of kPredictBatch
// and in both pixel layouts.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "infer/inference_graph.hpp"
#include "infer/model_engine.hpp"
#include "infer/predict.hpp"
#include "test_infer_support.hpp"

using kcell::infer::Layout;
using kcell::infer::StepKind;
using kcell::test::engine_probabilities;
using kcell::test::max_abs_difference;
using kcell::test::network_probabilities;
using kcell::test::random_images;

namespace {

constexpr double kTolerance = 1e-5;

// Engine against network for each batch size, in NCHW and NHWC.
void check_matches_network(kcell::model::Model& m, const std::vector<size_t>& counts,
                           uint64_t seed) {
  const size_t pixels = static_cast<size_t>(m.height()) * static_cast<size_t>(m.width());
  for (size_t count : counts) {
    const std::vector<uint8_t> nchw = random_images(count, m.input_size(), seed + count);
    const std::vector<float> expected = network_probabilities(m, nchw);
    const std::vector<float> got = engine_probabilities(m, nchw);
    CHECK_MESSAGE(max_abs_difference(got, expected) <= kTolerance, "batch " << count);
    const std::vector<float> got_nhwc = engine_probabilities(
        m, kcell::test::to_nhwc(nchw, count, m.channels(), pixels), Layout::nhwc);
    CHECK_MESSAGE(kcell::test::same_bits_of(got_nhwc, got), "NHWC, batch " << count);
    // Not a comparison of saturated softmaxes, where anything would agree.
    CHECK(kcell::test::least_confident(expected, m.num_classes()) < 0.99f);
  }
}

size_t count_steps(const kcell::infer::InferenceGraph& g, StepKind kind) {
  size_t n = 0;
  for (const auto& s : g.steps) n += s.kind == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("the reference preset predicts what its training network computes within 1e-5") {
  auto m = kcell::test::model_with_statistics("reference", 1, 28, 8);
  check_matches_network(*m, {1, 3, 300}, 10);  // 300 = a batch of 256 + 44
}

TEST_CASE("the lenet5 preset predicts what its training network computes within 1e-5") {
  auto m = kcell::test::model_with_statistics("lenet5", 1, 28, 8);
  check_matches_network(*m, {1, 3, 300}, 20);
}

TEST_CASE("the resnet18 preset predicts what its training network computes within 1e-5") {
  auto m = kcell::test::model_with_statistics("resnet18", 3, 28, 8);
  check_matches_network(*m, {1, 3}, 30);
}

TEST_CASE("resnet18 predicts what its training network computes at batches 256 and 300" *
          doctest::test_suite("slow")) {
  auto m = kcell::test::model_with_statistics("resnet18", 1, 28, 8);
  check_matches_network(*m, {256, 300}, 40);
}

TEST_CASE("unusual specs predict what their training network computes within 1e-5") {
  const char* specs[] = {
      // a batch norm after no convolution, on the images and on flat features
      "bn conv(4,3) relu maxpool(2) flatten dense(16) bn relu dense",
      // dropout between a convolution and its batch norm (the identity at inference)
      "conv(6,3) dropout(0.3) bn relu maxpool(2) flatten dropout(0.5) dense",
      // a residual block straight on the input (identity shortcut for 3 channels), and a
      // stride-2 block with a projection
      "res(3) res(8,stride=2) gap dense",
      // no dense layer: the logits come from global pooling
      "conv(5,3,bias=false) bn relu gap",
      // standalone ReLUs, a flatten not followed by dense, average pooling, no biases
      "conv(6,3,bias=false) relu relu avgpool(2) flatten relu dense(12,bias=false) relu dense",
      "conv(8,3,stride=2,pad=0) bn relu conv(8,1) bn flatten bn relu dense",
  };
  for (const std::string spec : specs) {
    CAPTURE(spec);
    for (int channels : {1, 3}) {
      auto m = kcell::test::model_with_statistics(spec, channels, 9, 5);
      check_matches_network(*m, {1, 7}, 50);
    }
  }
}

TEST_CASE("folding leaves one step per convolution and no activation layout conversions") {
  auto ref = kcell::test::model_with_statistics("reference", 1, 28, 8);
  auto res = kcell::test::model_with_statistics("resnet18", 1, 28, 8);
  const auto ref_engine = kcell::infer::inference_engine(*ref);
  const auto res_engine = kcell::infer::inference_engine(*res);
  // reference: 4 conv (bn and relu folded), 2 pools, 2 dense (relu fused); no bn, relu or
  // flatten step left.
  const auto& rg = ref_engine->graph();
  CHECK(rg.steps.size() == 8);
  CHECK(count_steps(rg, StepKind::conv) == 4);
  CHECK(count_steps(rg, StepKind::pool) == 2);
  CHECK(count_steps(rg, StepKind::dense) == 2);
  // resnet18: stem, 8 blocks of 2 convs, 3 projections, global pooling, dense.
  const auto& g = res_engine->graph();
  CHECK(count_steps(g, StepKind::conv) == 1 + 16 + 3);
  CHECK(g.steps.size() == 22);
  size_t residual_adds = 0;
  for (const auto& s : g.steps) residual_adds += s.residual >= 0 ? 1 : 0;
  CHECK(residual_adds == 8);
  for (size_t n : {1, 64}) {
    CHECK(ref_engine->acquire(static_cast<int64_t>(n))->layout_conversions() == 0);
    CHECK(res_engine->acquire(static_cast<int64_t>(n))->layout_conversions() == 0);
  }
}

TEST_CASE("a resnet18 context reuses activation memory along the graph") {
  auto m = kcell::test::model_with_statistics("resnet18", 1, 28, 8);
  const auto engine = kcell::infer::inference_engine(*m);
  const size_t n = 16;
  const size_t largest = n * 64 * 28 * 28 * sizeof(float);  // the 64-channel stage
  // Three buffers of the largest activation (block input, inner activation, projection)
  // plus the input; one buffer per activation would be over 20 of them.
  const auto context = engine->acquire(static_cast<int64_t>(n));
  CHECK(context->bytes() - context->scratchpad_bytes() < 4 * largest);
}

TEST_CASE("a context is reused by the next call of the same batch size") {
  auto m = kcell::test::model_with_statistics("lenet5", 1, 28, 8);
  const auto engine = kcell::infer::inference_engine(*m);
  const kcell::infer::InferenceContext* first = nullptr;
  {
    auto lease = engine->acquire(5);
    first = &*lease;
    CHECK(engine->idle_contexts() == 0);
  }
  CHECK(engine->idle_contexts() == 1);
  {
    auto a = engine->acquire(5);
    auto b = engine->acquire(5);  // the first is taken: another one
    CHECK(&*a == first);
    CHECK(&*b != first);
  }
  CHECK(engine->idle_contexts() == 2);
  CHECK(kcell::infer::inference_engine(*m).get() == engine.get());  // same weights, same engine
}

TEST_CASE("predictions follow changed weights: the engine is rebuilt") {
  auto m =
      kcell::test::model_with_statistics("conv(4,3) bn relu maxpool(2) flatten dense", 1, 8, 3);
  const std::vector<uint8_t> images = random_images(6, m->input_size(), 60);
  const std::vector<float> before = engine_probabilities(*m, images);
  const auto old_engine = kcell::infer::inference_engine(*m);
  for (kcell::nn::Buffer* b : m->network().buffers())
    for (float& v : b->value) v *= 1.5f;  // batch-norm statistics count as weights too
  m->network().weights_changed();
  const std::vector<float> after = engine_probabilities(*m, images);
  CHECK(kcell::infer::inference_engine(*m).get() != old_engine.get());
  CHECK(max_abs_difference(after, before) > 1e-3);
  CHECK(max_abs_difference(after, network_probabilities(*m, images)) <= kTolerance);
}
