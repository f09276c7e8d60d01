#include "infer/calibrate.hpp"

#include <algorithm>

#include "infer/batcher.hpp"
#include "infer/model_engine.hpp"
#include "model/split_check.hpp"

namespace kcell::infer {

void calibrate_int8(model::Model& model, const data::Dataset& dataset, data::SplitId id,
                    size_t max_images) {
  model::check_split_fits(model, dataset, id, model::split_description(id), /*labels_used=*/false);
  const data::Split& split = dataset.split(id);
  const size_t count = max_images == 0 ? split.count : std::min(split.count, max_images);
  Batcher batcher(split, model.channels(), model.height(), model.width(), model.normalization(),
                  256);
  const auto engine = infer::calibration_engine(model);
  infer::ValueRanges ranges;
  size_t done = 0;
  for (size_t b = 0; b < batcher.num_batches() && done < count; ++b) {
    const size_t n = std::min(static_cast<size_t>(batcher.load(b)), count - done);
    engine->record_ranges(batcher.images(), n, ranges);
    done += n;
  }
  infer::set_calibration(model, *engine, std::move(ranges));
}

}  // namespace kcell::infer
