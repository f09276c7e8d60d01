// Shape inference: output shapes, parameter and FLOP counts, and shape errors. The expected
// totals come from tests/fixtures/model_spec/param_counts.py, which builds the same models
// in PyTorch and measures them.
#include <doctest/doctest.h>

#include <string>
#include <tuple>
#include <utility>

#include "common/error.hpp"
#include "spec/architecture.hpp"
#include "spec/summary.hpp"

using kcell::Error;
using kcell::Status;
using kcell::spec::parse_architecture;
using kcell::spec::shape_text;
using kcell::spec::summarize;
using kcell::spec::Summary;

namespace {

Summary summary_of(const std::string& spec, int c, int h, int w, int classes) {
  return summarize(parse_architecture(spec), c, h, w, classes);
}

// The status and message summarize throws (status ok and "" when it succeeds).
std::pair<Status, std::string> failure_of(const std::string& spec, int c, int h, int w,
                                          int classes) {
  try {
    summary_of(spec, c, h, w, classes);
  } catch (const Error& e) {
    return {e.status(), e.what()};
  }
  return {Status::ok, ""};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("reference at 1x28x28 with 10 classes has 871,018 parameters") {
  const Summary s = summary_of("reference", 1, 28, 28, 10);
  CHECK(s.total_params == 871018);
  CHECK(s.total_flops == 38528266);
  REQUIRE(s.layers.size() == 21);
  CHECK(shape_text(s.layers[0].output) == "32x28x28");
  CHECK(s.layers[0].params == 320);   // 32*1*9 + 32
  CHECK(s.layers[1].params == 64);    // bn: scale and shift only
  CHECK(s.layers[3].params == 9248);  // 32*32*9 + 32
  CHECK(shape_text(s.layers[6].output) == "32x14x14");
  CHECK(shape_text(s.layers[13].output) == "64x14x14");
  CHECK(shape_text(s.layers[14].output) == "64x7x7");
  CHECK(shape_text(s.layers[16].output) == "3136");
  CHECK(s.layers[16].output.flat);
  CHECK(s.layers[17].params == 803072);  // 3136*256 + 256
  CHECK(s.layers[20].params == 2570);
  CHECK(shape_text(s.layers[20].output) == "10");
  CHECK(s.layers[0].flops == 2 * 9 * 32 * 28 * 28 + 32 * 28 * 28);
  CHECK(s.layers[7].flops == 0);  // dropout is the identity at inference
}

TEST_CASE("reference at 3x64x64 with 8 classes grows only its first dense layer") {
  const Summary s = summary_of("reference", 3, 64, 64, 8);
  CHECK(s.total_params == 4262568);
  CHECK(s.total_flops == 205984264);
  CHECK(shape_text(s.layers[16].output) == "16384");
}

TEST_CASE("resnet18 at 3x28x28 with 10 classes has 11,173,962 parameters as in PyTorch") {
  const Summary s = summary_of("resnet18", 3, 28, 28, 10);
  CHECK(s.total_params == 11173962);
  CHECK(s.total_flops == 915002378);
  REQUIRE(s.layers.size() == 13);
  CHECK(s.layers[0].params == 64 * 3 * 9);  // stem without bias
  CHECK(shape_text(s.layers[3].output) == "64x28x28");
  CHECK(s.layers[3].params == 2 * 64 * 64 * 9 + 4 * 64);  // identity shortcut
  CHECK(shape_text(s.layers[5].output) == "128x14x14");
  // stride-2 block: projection conv1x1 + bn on the shortcut
  CHECK(s.layers[5].params == 64 * 128 * 9 + 128 * 128 * 9 + 4 * 128 + 64 * 128 + 2 * 128);
  CHECK(shape_text(s.layers[7].output) == "256x7x7");
  CHECK(shape_text(s.layers[9].output) == "512x4x4");  // (7 + 2 - 3) / 2 + 1
  CHECK(shape_text(s.layers[11].output) == "512x1x1");
  CHECK(s.layers[12].params == 512 * 10 + 10);
}

TEST_CASE("resnet18 at 1x28x28 with 8 classes has 11,171,784 parameters") {
  const Summary s = summary_of("resnet18", 1, 28, 28, 8);
  CHECK(s.total_params == 11171784);
  CHECK(s.total_flops == 913193992);
}

TEST_CASE("the small residual presets have the parameters and FLOPs PyTorch counts") {
  struct Case {
    const char* preset;
    int64_t params, flops;
  };
  for (const Case& c : {Case{"resnet8", 308074, 74739722}, Case{"resnet8-slim", 77754, 18905098},
                        Case{"resnet10", 1228394, 104137098}}) {
    CAPTURE(c.preset);
    const Summary s = summary_of(c.preset, 1, 28, 28, 10);
    CHECK(s.total_params == c.params);
    CHECK(s.total_flops == c.flops);
  }
}

TEST_CASE("resnet18's parameter count does not depend on the input size") {
  const Summary s = summary_of("resnet18", 3, 224, 224, 10);
  CHECK(s.total_params == 11173962);
  CHECK(shape_text(s.layers[10].output) == "512x28x28");
  CHECK(s.total_flops > 50 * summary_of("resnet18", 3, 28, 28, 10).total_flops);
}

TEST_CASE("lenet5 at 1x28x28 with 10 classes has 61,706 parameters") {
  const Summary s = summary_of("lenet5", 1, 28, 28, 10);
  CHECK(s.total_params == 61706);
  CHECK(s.total_flops == 852370);
  CHECK(shape_text(s.layers[3].output) == "16x10x10");
  CHECK(shape_text(s.layers[6].output) == "400");
}

TEST_CASE("odd sizes pool with floor, and strided convolutions round up as PyTorch does") {
  const Summary s =
      summary_of("conv(4,3,stride=2) maxpool(2) avgpool(3,stride=1) gap dense", 1, 29, 30, 5);
  CHECK(shape_text(s.layers[0].output) == "4x15x15");  // (29 + 2 - 3) / 2 + 1
  CHECK(shape_text(s.layers[1].output) == "4x7x7");
  CHECK(shape_text(s.layers[2].output) == "4x5x5");
  CHECK(s.layers[2].flops == 9 * 4 * 5 * 5);
  CHECK(s.layers[3].flops == 4 * 5 * 5);
  CHECK(s.total_params == 4 * 9 + 4 + 4 * 5 + 5);
}

TEST_CASE("a network may end in a per-class map pooled to 1x1 without a dense layer") {
  const Summary s = summary_of("conv(16,3) relu conv(10,1) gap", 3, 32, 32, 10);
  CHECK(shape_text(s.layers.back().output) == "10x1x1");
  CHECK(s.total_params == 16 * 27 + 16 + 10 * 16 + 10);
}

TEST_CASE("batch norm after a dense layer normalises its features") {
  const Summary s = summary_of("flatten dense(32) bn relu dense", 1, 4, 4, 3);
  CHECK(s.layers[2].params == 64);
  CHECK(shape_text(s.layers[2].output) == "32");
}

TEST_CASE("a map that shrinks below a window is a spec error naming the layer") {
  auto [status, message] = failure_of("reference", 1, 1, 1, 10);
  CHECK(status == Status::spec);
  CHECK(contains(message, "layer 7 'maxpool(2)'"));
  CHECK(contains(message, "32x1x1"));

  std::tie(status, message) = failure_of("lenet5", 1, 8, 8, 10);
  CHECK(status == Status::spec);
  CHECK(contains(message, "layer 4 'conv(16,5,pad=0)' needs an input of at least 5x5"));
  CHECK(contains(message, "6x4x4"));

  // resnet18 shrinks 28 -> 4 but never to nothing: any size >= 1 works
  CHECK(summary_of("resnet18", 1, 1, 1, 2).layers[10].output.height == 1);
}

TEST_CASE("spatial layers after flatten or dense are spec errors") {
  for (const char* spec : {"flatten conv(8,3) gap dense", "flatten maxpool(2) dense",
                           "gap flatten gap dense", "gap dense(16) res(16) gap dense"}) {
    CAPTURE(spec);
    auto [status, message] = failure_of(spec, 1, 28, 28, 10);
    CHECK(status == Status::spec);
    CHECK(contains(message, "needs a channels x height x width map"));
  }
}

TEST_CASE("a dense layer on a spatial map asks for flatten or gap") {
  auto [status, message] = failure_of("conv(8,3) dense", 1, 28, 28, 10);
  CHECK(status == Status::spec);
  CHECK(contains(message, "layer 2 'dense' needs a feature vector but gets a 8x28x28 map"));
}

TEST_CASE("an output that is not one value per class is a spec error") {
  auto [status, message] = failure_of("conv(8,3) relu", 1, 28, 28, 10);
  CHECK(status == Status::spec);
  CHECK(contains(message, "ends with a 8x28x28 map"));

  std::tie(status, message) = failure_of("flatten dense(256)", 1, 28, 28, 10);
  CHECK(status == Status::spec);
  CHECK(contains(message, "256 values per image but the model has 10 classes"));
}

TEST_CASE("bad input shapes and class counts are invalid arguments") {
  struct Case {
    int c, h, w, classes;
    const char* message;
  };
  const Case cases[] = {
      {2, 28, 28, 10, "input channels must be 1 (grayscale) or 3 (RGB), got 2"},
      {0, 28, 28, 10, "got 0"},
      {1, 0, 28, 10, "at least 1, got 0x28"},
      {1, 28, -3, 10, "got 28x-3"},
      {1, 28, 28, 1, "the class count must be at least 2, got 1"},
  };
  for (const Case& c : cases) {
    auto [status, message] = failure_of("reference", c.c, c.h, c.w, c.classes);
    CAPTURE(message);
    CHECK(status == Status::invalid_argument);
    CHECK(contains(message, c.message));
  }
}

TEST_CASE("hand-built layers with impossible fields are rejected instead of dividing by zero") {
  kcell::spec::Architecture arch = parse_architecture("conv(8,3) gap dense");
  arch.layers[0].stride = 0;
  CHECK_THROWS_AS(summarize(arch, 1, 28, 28, 10), Error);
  arch = parse_architecture("maxpool(2) gap dense");
  arch.layers[0].kernel = 0;
  CHECK_THROWS_AS(summarize(arch, 1, 28, 28, 10), Error);
  arch.layers.clear();
  CHECK_THROWS_AS(summarize(arch, 1, 28, 28, 10), Error);
}

TEST_CASE("counts that overflow 64 bits are a limit error") {
  auto [status, message] =
      failure_of("conv(65536,1024,pad=1024) gap dense", 3, 1 << 30, 1 << 30, 10);
  CHECK(status == Status::limit);
  CHECK(contains(message, "exceeds 64 bits"));
}

TEST_CASE("the formatted summary has a row per layer and the totals with separators") {
  const std::string table = kcell::spec::format_summary(summary_of("reference", 1, 28, 28, 10));
  CHECK(contains(table, "871,018"));
  CHECK(contains(table, "38,528,266"));
  CHECK(contains(table, "dense(256)"));
  CHECK(contains(table, "803,072"));
  size_t lines = 0;
  for (char ch : table) lines += ch == '\n';
  CHECK(lines == 21 + 3);  // header, input, layers, total
}
