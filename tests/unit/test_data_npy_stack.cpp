// A single .npy image stack opens as an unlabelled test split.
#include <doctest/doctest.h>

#include "test_data_support.hpp"

using kcell::data::Dataset;
using kcell::data::SplitId;
using namespace kcell::test;

TEST_CASE("npy stacks of format versions 1.0, 2.0 and 3.0 open as an unlabelled test split") {
  for (const char* name : {"stack_v1.npy", "stack_v2.npy", "stack_v3.npy"}) {
    INFO(std::string(name));
    Dataset d = open_fixture(name);
    CHECK(d.channels == 1);
    CHECK(d.height == kFixtureHeight);
    CHECK(d.width == kFixtureWidth);
    CHECK(d.num_classes == 0);
    CHECK(d.split(SplitId::train).count == 0);
    CHECK(d.split(SplitId::val).count == 0);
    check_split_matches_formula(d, SplitId::test, 2, 6, /*labelled=*/false);
  }
}

TEST_CASE("npy stack of (N,H,W,3) images is transposed to N×C×H×W") {
  Dataset d = open_fixture("stack_rgb.npy");
  CHECK(d.channels == 3);
  check_split_matches_formula(d, SplitId::test, 2, 6, /*labelled=*/false);
}

TEST_CASE("a gzip-compressed npy stack is detected from its content and read") {
  Dataset d = open_fixture("stack_v1.npy.gz");
  check_split_matches_formula(d, SplitId::test, 2, 6, /*labelled=*/false);
}

TEST_CASE("a given class count does not label an npy stack") {
  kcell::data::OpenOptions options;
  options.num_classes = 5;
  CHECK(open_fixture("stack_v1.npy", options).num_classes == 0);
}
