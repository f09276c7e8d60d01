// Inference precision: bf16 weights and activations (f32 logits) where the CPU has
// AVX-512 BF16, refused elsewhere; fp32 stays the default.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "infer/model_engine.hpp"
#include "nn/dnnl_compat.hpp"
#include "test_infer_support.hpp"

using kcell::infer::Precision;

TEST_CASE("bf16 inference gives probabilities close to fp32 ones where the CPU supports it") {
  auto m = kcell::test::model_with_statistics("reference", 1, 28, 8);
  CHECK(kcell::infer::inference_precision(*m) == Precision::fp32);
  if (!kcell::infer::precision_supported(Precision::bf16)) {
    CHECK_THROWS_AS(kcell::infer::set_inference_precision(*m, Precision::bf16), kcell::Error);
    CHECK(kcell::infer::inference_precision(*m) == Precision::fp32);
    MESSAGE("this CPU has no AVX-512 BF16: only the refusal was tested");
    return;
  }
  for (const std::string spec : {"reference", "res(8) res(16,stride=2) gap dense"}) {
    CAPTURE(spec);
    auto model = kcell::test::model_with_statistics(spec, 1, 28, 8);
    const std::vector<uint8_t> images = kcell::test::random_images(70, model->input_size(), 8);
    const std::vector<float> fp32 = kcell::test::engine_probabilities(*model, images);
    kcell::infer::set_inference_precision(*model, Precision::bf16);
    CHECK(kcell::infer::inference_engine(*model)->precision() == Precision::bf16);
    const std::vector<float> bf16 = kcell::test::engine_probabilities(*model, images);
    const double diff = kcell::test::max_abs_difference(bf16, fp32);
    CHECK(diff > 0.0);   // really another arithmetic
    CHECK(diff < 0.03);  // bf16 keeps 8 bits of mantissa
    kcell::infer::set_inference_precision(*model, Precision::fp32);
    CHECK(kcell::test::same_bits_of(kcell::test::engine_probabilities(*model, images), fp32));
  }
}
