// The architecture spec grammar: presets, canonical text, argument forms and parse errors.
#include <doctest/doctest.h>

#include <string>

#include "common/error.hpp"
#include "spec/architecture.hpp"
#include "spec/presets.hpp"

using kcell::Error;
using kcell::Status;
using kcell::spec::Architecture;
using kcell::spec::LayerKind;
using kcell::spec::LayerSpec;
using kcell::spec::parse_architecture;

namespace {

bool same_layer(const LayerSpec& a, const LayerSpec& b) {
  return a.kind == b.kind && a.out == b.out && a.kernel == b.kernel && a.stride == b.stride &&
         a.pad == b.pad && a.bias == b.bias && a.rate == b.rate;
}

bool same_layers(const Architecture& a, const Architecture& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (size_t i = 0; i < a.layers.size(); ++i)
    if (!same_layer(a.layers[i], b.layers[i])) return false;
  return true;
}

// The message of the spec error that parsing text throws ("" if it parses).
std::string spec_error(const std::string& text) {
  try {
    parse_architecture(text);
  } catch (const Error& e) {
    CHECK(e.status() == Status::spec);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the reference preset expands to the two-block CNN of DESIGN.md") {
  const Architecture a = parse_architecture("reference");
  CHECK(a.text ==
        "conv(32,3) bn relu conv(32,3) bn relu maxpool(2) dropout(0.25) "
        "conv(64,3) bn relu conv(64,3) bn relu maxpool(2) dropout(0.25) "
        "flatten dense(256) relu dropout(0.5) dense");
  REQUIRE(a.layers.size() == 21);
  CHECK(a.layers[0].kind == LayerKind::conv);
  CHECK(a.layers[0].out == 32);
  CHECK(a.layers[0].kernel == 3);
  CHECK(a.layers[0].stride == 1);
  CHECK(a.layers[0].pad == 1);
  CHECK(a.layers[0].bias);
  CHECK(a.layers[6].kind == LayerKind::max_pool);
  CHECK(a.layers[6].kernel == 2);
  CHECK(a.layers[6].stride == 2);
  CHECK(a.layers[6].pad == 0);
  CHECK(a.layers[7].rate == 0.25f);
  CHECK(a.layers[17].out == 256);
  CHECK(a.layers[20].kind == LayerKind::dense);
  CHECK(a.layers[20].out == 0);
}

TEST_CASE("the resnet18 preset is the CIFAR-style ResNet-18 with a bias-free 3x3 stem") {
  const Architecture a = parse_architecture("resnet18");
  CHECK(a.text ==
        "conv(64,3,bias=false) bn relu res(64) res(64) res(128,stride=2) res(128) "
        "res(256,stride=2) res(256) res(512,stride=2) res(512) gap dense");
  REQUIRE(a.layers.size() == 13);
  CHECK(a.layers[0].stride == 1);
  CHECK_FALSE(a.layers[0].bias);
  CHECK(a.layers[5].kind == LayerKind::basic_block);
  CHECK(a.layers[5].out == 128);
  CHECK(a.layers[5].stride == 2);
  CHECK(a.layers[11].kind == LayerKind::global_avg_pool);
}

TEST_CASE("the lenet5 preset pads its first 5x5 convolution and not its second") {
  const Architecture a = parse_architecture("lenet5");
  CHECK(a.text ==
        "conv(6,5) relu maxpool(2) conv(16,5,pad=0) relu maxpool(2) flatten dense(120) relu "
        "dense(84) relu dense");
  CHECK(a.layers[0].pad == 2);
  CHECK(a.layers[3].pad == 0);
}

TEST_CASE("every preset is found by name and its canonical text parses back to the same layers") {
  CHECK(kcell::spec::presets().size() == 6);
  for (const auto& p : kcell::spec::presets()) {
    CAPTURE(p.name);
    CHECK(kcell::spec::find_preset(p.name) == &p);
    const Architecture a = parse_architecture(p.name);
    const Architecture again = parse_architecture(a.text);
    CHECK(again.text == a.text);
    CHECK(same_layers(a, again));
    CHECK(same_layers(a, parse_architecture(p.spec)));
  }
  CHECK(kcell::spec::find_preset("ResNet18") == nullptr);
  CHECK(parse_architecture("  lenet5\n").text == parse_architecture("lenet5").text);
}

TEST_CASE("positional and keyword arguments give the same layer and one canonical text") {
  const std::string forms[] = {
      "conv(64,3,2,0,bias=false)",
      "conv(64,3,stride=2,pad=0,bias=false)",
      "conv( 64 , 3 , stride = 2 , pad = 0 , bias = false )",
      "conv(out=64,kernel=3,bias=false,pad=0,stride=2)",
      "conv(64,3,2,pad=0,bias=false)",
  };
  const Architecture first = parse_architecture(forms[0]);
  CHECK(first.text == "conv(64,3,stride=2,pad=0,bias=false)");
  for (const std::string& f : forms) {
    CAPTURE(f);
    const Architecture a = parse_architecture(f);
    CHECK(a.text == first.text);
    CHECK(same_layers(a, first));
  }
}

TEST_CASE("omitted arguments take their documented defaults") {
  const Architecture a = parse_architecture(
      "conv(8,5) conv(8,4) maxpool(3) avgpool(3,1) res(16) dense dense(7,bias=false) relu()");
  CHECK(a.layers[0].pad == 2);  // kernel / 2
  CHECK(a.layers[1].pad == 2);
  CHECK(a.layers[0].stride == 1);
  CHECK(a.layers[2].stride == 3);  // pools step by their window
  CHECK(a.layers[3].stride == 1);
  CHECK(a.layers[4].stride == 1);
  CHECK(a.layers[5].out == 0);  // bare dense: the class count
  CHECK(a.layers[5].bias);
  CHECK(a.layers[6].out == 7);
  CHECK_FALSE(a.layers[6].bias);
  CHECK(a.layers[7].kind == LayerKind::relu);
  CHECK(a.text ==
        "conv(8,5) conv(8,4) maxpool(3) avgpool(3,stride=1) res(16) dense "
        "dense(7,bias=false) relu");
}

TEST_CASE("layers may be separated by any whitespace, including newlines and tabs") {
  const Architecture a = parse_architecture("\n  conv(4,3)\tbn\r\n relu  gap\n\ndense  ");
  CHECK(a.text == "conv(4,3) bn relu gap dense");
}

TEST_CASE("dropout rates print as the shortest text that reads back to the same float") {
  const Architecture a = parse_architecture("dropout(0.1) dropout(1e-3) dropout(0) dropout(.5)");
  CHECK(a.text == "dropout(0.1) dropout(0.001) dropout(0) dropout(0.5)");
  CHECK(a.layers[0].rate == 0.1f);
  CHECK(same_layers(a, parse_architecture(a.text)));
}

TEST_CASE("layer_text prints a hand-built convolution with padding -1 as the default") {
  LayerSpec l;
  l.kind = LayerKind::conv;
  l.out = 16;
  l.kernel = 5;
  l.pad = -1;
  CHECK(kcell::spec::layer_text(l) == "conv(16,5)");
  l.pad = 0;
  l.stride = 2;
  CHECK(kcell::spec::layer_text(l) == "conv(16,5,stride=2,pad=0)");
  CHECK(std::string(kcell::spec::layer_name(LayerKind::basic_block)) == "res");
}

TEST_CASE("parse errors name the offending token and its 1-based position") {
  struct Case {
    const char* spec;
    const char* message;
  };
  const Case cases[] = {
      {"convv(32,3) relu", "unknown layer 'convv' at position 1"},
      {"conv(32,3) relu resnet", "unknown layer 'resnet' at position 17"},
      {"conv(8,3) lenet5",
       "unknown layer 'lenet5' at position 11: a preset name must be the whole"},
      {"conv(32,3) bn relu maxpool(2) dropout(1.5) dense",
       "dropout rate must be a number in [0,1), got '1.5' at position 39"},
      {"dropout(1)", "dropout rate must be a number in [0,1), got '1' at position 9"},
      {"dropout(nan)", "got 'nan' at position 9"},
      {"dropout(-0.1)", "got '-0.1' at position 9"},
      {"conv(32,0)", "conv kernel must be a whole number from 1 to 1024, got '0' at position 9"},
      {"conv(3.5,3)", "conv out must be a whole number from 1 to 65536, got '3.5' at position 6"},
      {"conv(99999999999999999999999,3)", "got '99999999999999999999999' at position 6"},
      {"dense(-5)", "dense units must be a whole number from 1 to 65536, got '-5' at position 7"},
      {"res(64,stride=0)",
       "res stride must be a whole number from 1 to 1024, got '0' at position 15"},
      {"conv(32,3,pad=-1)",
       "conv pad must be a whole number from 0 to 1024, got '-1' at position 15"},
      {"conv(32,3,strid=2)", "unknown argument 'strid' for conv at position 11"},
      {"conv(32,3,bias=no)", "conv bias must be true or false, got 'no' at position 16"},
      {"conv(32,3", "'(' of 'conv' is never closed at position 5"},
      {"conv(32,3)bn", "unexpected 'bn' after 'conv' at position 11"},
      {"relu )", "unexpected ')' at position 6"},
      {"relu 3", "unexpected '3' at position 6"},
      {"conv(32,(3))", "unexpected '(' inside the arguments of 'conv' at position 9"},
      {"maxpool(2,2,2)", "too many arguments for maxpool: '2' at position 13"},
      {"dense(10,true)", "too many arguments for dense: 'true' at position 10"},
      {"relu(1)", "relu takes no arguments, got '1' at position 6"},
      {"bn relu conv(32)", "conv needs its kernel argument at position 9"},
      {"dropout", "dropout needs its rate argument at position 1"},
      {"conv(32,,3)", "empty argument at position 9"},
      {"conv(32,3,)", "empty argument at position 11"},
      {"conv(32,3,stride=2,1)", "positional argument '1' after a keyword argument at position 20"},
      {"conv(32,3,pad=1,pad=2)", "conv pad is given twice at position 17"},
      {"conv(32,3,3,stride=2)", "conv stride is given twice at position 13"},
      {"conv(32,3,=2)", "has no name before '=' at position 11"},
      {"conv(32,3,pad=)", "argument 'pad' has no value after '=' at position 11"},
      {"conv(32,3,pad=1=2)", "malformed argument 'pad=1=2' at position 11"},
      {"conv(32,3 3)", "malformed argument '3 3' at position 9"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.spec);
    const std::string message = spec_error(c.spec);
    CAPTURE(message);
    CHECK(message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("an unknown layer's message lists the known layers and presets") {
  const std::string message = spec_error("resnet");
  CHECK(message.find("conv bn relu maxpool avgpool gap dropout flatten dense res") !=
        std::string::npos);
  CHECK(message.find("presets: reference resnet8 resnet8-slim resnet10 resnet18 lenet5") !=
        std::string::npos);
}

TEST_CASE("an empty or blank spec is a spec error that suggests what to write") {
  for (const char* text : {"", "   ", "\n\t"}) {
    CAPTURE(text);
    const std::string message = spec_error(text);
    CHECK(message.find("the architecture spec is empty") != std::string::npos);
    CHECK(message.find("reference") != std::string::npos);
  }
}
