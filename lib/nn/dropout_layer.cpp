#include "nn/dropout_layer.hpp"

#include <cmath>

#include "common/error.hpp"
#include "nn/bf16.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"
#include "nn/random.hpp"

namespace kcell::nn {

using dnnl::memory;

namespace {

uint64_t dropout_key(uint64_t seed, uint64_t step, uint64_t layer_index) {
  uint64_t k = mix64(seed ^ 0x6A09E667F3BCC909ull);
  k = mix64(k ^ (step * kGolden));
  return mix64(k ^ ((layer_index + 1) * 0xD1B54A32D192ED03ull));
}

struct F32 {
  static float load(const float* p, int64_t i) { return p[i]; }
  static void store(float* p, int64_t i, float v) { p[i] = v; }
};
struct BF16 {
  static float load(const uint16_t* p, int64_t i) { return bf16_to_float(p[i]); }
  static void store(uint16_t* p, int64_t i, float v) { p[i] = float_to_bf16(v); }
};

// out[i] = in[i] * scale, or 0 where element i's hash falls below drop_below. One 64-bit
// hash decides two neighbouring elements (32 bits each). The mask depends on the element
// index only, so it is the same for either element type.
template <class Type, class T>
void apply_dropout_mask(const T* in, T* out, int64_t count, uint64_t key,
                        uint32_t drop_below, float scale) {
  const int64_t pairs = (count + 1) / 2;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < pairs; ++j) {
    const uint64_t h = mix64(key + static_cast<uint64_t>(j) * kGolden);
    const int64_t i = 2 * j;
    Type::store(out, i,
                static_cast<uint32_t>(h) < drop_below ? 0.f : Type::load(in, i) * scale);
    if (i + 1 < count) {
      Type::store(out, i + 1,
                  static_cast<uint32_t>(h >> 32) < drop_below ? 0.f
                                                              : Type::load(in, i + 1) * scale);
    }
  }
}

// The mask applied to a memory of either type (in and out share the type).
void apply_dropout_mask(const memory& in, const memory& out, int64_t count, uint64_t key,
                        uint32_t drop_below, float scale) {
  if (compat::md_type(in.get_desc()) == memory::data_type::bf16) {
    apply_dropout_mask<BF16>(static_cast<const uint16_t*>(in.get_data_handle()),
                             static_cast<uint16_t*>(out.get_data_handle()), count, key,
                             drop_below, scale);
  } else {
    apply_dropout_mask<F32>(data_of(in), data_of(out), count, key, drop_below, scale);
  }
}

}  // namespace

DropoutLayer::DropoutLayer(const std::string& name, Shape in, double rate,
                           uint64_t layer_index)
    : shape_(in), rate_(rate), layer_index_(layer_index) {
  if (!(rate >= 0.0 && rate < 1.0)) {
    fail(Status::spec, name + ": dropout rate must be in [0, 1), got " + std::to_string(rate));
  }
}

class DropoutPlan : public LayerPlan {
 public:
  DropoutPlan(DropoutLayer& layer, const PlanContext& ctx, const memory& src)
      : L_(layer), ctx_(ctx), src_(src) {
    dst_ = memory(src.get_desc(), ctx.engine);
    count_ = static_cast<int64_t>(src.get_desc().get_size() /
                                  memory::data_type_size(compat::md_type(src.get_desc())));
    const double t = std::floor(L_.rate_ * 4294967296.0);
    drop_below_ = t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(t);
    scale_ = static_cast<float>(1.0 / (1.0 - L_.rate_));
  }

  memory dst() const override { return dst_; }

  void forward(dnnl::stream& s) override {
    s.wait();
    key_ = dropout_key(ctx_.dropout->seed, ctx_.dropout->step, L_.layer_index_);
    apply_dropout_mask(src_, dst_, count_, key_, drop_below_, scale_);
  }

  memory build_backward(const memory& diff_dst, bool need_diff_src,
                        bool diff_dst_free) override {
    if (!need_diff_src) return memory();
    // The mask is indexed by buffer offset, so the gradient must share dst's layout.
    diff_dst_ = in_layout(diff_dst, dst_.get_desc(), ctx_.engine, diff_dst_convert_,
                          ctx_.layout_conversions);
    diff_src_ = diff_dst_free || diff_dst_convert_ ? diff_dst_  // in place
                                                   : memory(src_.get_desc(), ctx_.engine);
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (!diff_src_) return;
    if (diff_dst_convert_) diff_dst_convert_.run(s);
    s.wait();
    apply_dropout_mask(diff_dst_, diff_src_, count_, key_, drop_below_, scale_);
  }

 private:
  DropoutLayer& L_;
  PlanContext ctx_;
  memory src_, dst_, diff_dst_, diff_src_;
  Reorder diff_dst_convert_;
  int64_t count_ = 0;
  uint32_t drop_below_ = 0;
  float scale_ = 1.f;
  uint64_t key_ = 0;
};

std::unique_ptr<LayerPlan> DropoutLayer::make_plan(const PlanContext& ctx, const memory& src) {
  if (!ctx.training || rate_ == 0.0) return std::make_unique<PassthroughPlan>(src);
  return std::make_unique<DropoutPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
