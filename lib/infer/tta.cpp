#include "infer/tta.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "infer/predict.hpp"

namespace kcell::infer {

model::Tta tta_for_augmentation(const data::AugmentOptions& augment, int height, int width) {
  const bool hflip = augment.hflip > 0.f, vflip = augment.vflip > 0.f;
  const bool turns = augment.rot90 > 0.f;
  if (turns && (hflip || vflip)) return height == width ? model::Tta::dihedral : model::Tta::flips4;
  if (hflip && vflip) return model::Tta::flips4;
  if (hflip) return model::Tta::flips;
  return model::Tta::none;
}

void tta_view(model::Tta tta, int view, const float* src, size_t n, int c, int h, int w,
              float* dst) {
  const size_t image = static_cast<size_t>(c) * static_cast<size_t>(h) * static_cast<size_t>(w);
  std::memcpy(dst, src, sizeof(float) * n * image);
  if (view == 0) return;
  const bool flip = view & 1;
  const int upper = view >> 1;
  std::vector<float> scratch(tta == model::Tta::dihedral && upper % 2 ? image : 0);
  for (size_t i = 0; i < n; ++i) {
    float* x = dst + i * image;
    if (flip) data::flip_horizontal(x, c, h, w);
    if (upper == 0) continue;
    if (tta == model::Tta::dihedral)
      data::rotate_quarter_turns(x, c, h, w, upper, scratch.data());
    else
      data::flip_vertical(x, c, h, w);
  }
}

const float* tta_logits(InferenceContext& ctx, const float* images, size_t n,
                        const model::Model& model, model::Tta tta, TtaWork& work) {
  const int views = model::tta_views(tta);
  if (views == 1) return ctx.run(images);
  const size_t k = static_cast<size_t>(model.num_classes());
  const size_t rows = n * k;
  work.view.resize(n * model.input_size());
  work.sum.assign(rows, 0.0);
  work.probs.resize(rows);
  work.logits.resize(rows);
  for (int v = 0; v < views; ++v) {
    const float* input = images;
    if (v > 0) {
      tta_view(tta, v, images, n, model.channels(), model.height(), model.width(),
               work.view.data());
      input = work.view.data();
    }
    output_probabilities(model, ctx.run(input), n, work.probs.data());
    for (size_t i = 0; i < rows; ++i) work.sum[i] += work.probs[i];
  }
  const double scale = 1.0 / views;
  if (model.multi_label()) {
    // The logit of each label's mean probability: its sigmoid gives that mean back.
    for (size_t i = 0; i < rows; ++i) {
      const double p = std::min(std::max(work.sum[i] * scale, 1e-30), 1.0 - 1e-16);
      work.logits[i] = static_cast<float>(std::log(p) - std::log1p(-p));
    }
    return work.logits.data();
  }
  for (size_t i = 0; i < rows; ++i)
    work.logits[i] = static_cast<float>(std::log(std::max(work.sum[i] * scale, 1e-30)));
  return work.logits.data();
}

void tta_logits(InferenceEngine& engine, const float* images, size_t n, const model::Model& model,
                model::Tta tta, float* out) {
  if (model::tta_views(tta) == 1) {
    engine.logits(images, n, out);
    return;
  }
  const size_t image = model.input_size();
  const size_t k = static_cast<size_t>(model.num_classes());
  engine.for_each_chunk(n, [&](InferenceContext& ctx, size_t first, size_t m) {
    TtaWork work;
    const float* z = tta_logits(ctx, images + first * image, m, model, tta, work);
    std::copy(z, z + m * k, out + first * k);
  });
}

}  // namespace kcell::infer
