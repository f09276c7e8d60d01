// Real learning: the `reference` preset trained briefly on a small Fashion-MNIST subset
// (Debian's dataset-fashion-mnist) classifies held-out images far above chance (0.1).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "data/dataset.hpp"
#include "infer/evaluate.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"
#include "train/trainer.hpp"

namespace {

const char* fashion_dir = "/usr/share/datasets/fashion-mnist";

// The first `count` images of a split.
kcell::data::Split head(const kcell::data::Dataset& d, kcell::data::SplitId id, size_t count) {
  const kcell::data::Split& from = d.split(id);
  count = std::min(count, from.count);
  kcell::data::Split out;
  out.count = count;
  out.images.assign(from.images.begin(),
                    from.images.begin() + static_cast<ptrdiff_t>(count * d.image_bytes()));
  out.labels.assign(from.labels.begin(), from.labels.begin() + static_cast<ptrdiff_t>(count));
  return out;
}

}  // namespace

TEST_CASE("reference learns Fashion-MNIST: one epoch on 4000 images beats 0.7 test accuracy" *
          doctest::test_suite("slow")) {
  struct stat st;
  REQUIRE_MESSAGE(stat(fashion_dir, &st) == 0,
                  fashion_dir << " is missing; install Debian's dataset-fashion-mnist");
  const kcell::data::Dataset full = kcell::data::open_dataset(fashion_dir, {});
  kcell::data::Dataset small;
  small.channels = full.channels;
  small.height = full.height;
  small.width = full.width;
  small.num_classes = full.num_classes;
  small.split(kcell::data::SplitId::train) = head(full, kcell::data::SplitId::train, 4000);
  small.split(kcell::data::SplitId::test) = head(full, kcell::data::SplitId::test, 1000);

  kcell::model::Model model(kcell::spec::parse_architecture("reference"), 1, 28, 28, 10, 1);
  kcell::train::TrainConfig config;
  config.epochs = 1;
  config.batch_size = 64;
  config.learning_rate = 1e-3;
  config.optimizer.weight_decay = 1e-4;
  config.num_threads = 2;
  kcell::train::train(model, small, nullptr, config);
  const auto result = kcell::infer::evaluate(model, small, kcell::data::SplitId::test, 128);
  MESSAGE("test accuracy after one epoch on 4000 images: " << result.accuracy);
  CHECK(result.count == 1000);
  CHECK(result.accuracy > 0.7);
}
