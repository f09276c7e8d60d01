#include "nn/dropout_layer.hpp"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "nn/bf16.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

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

// Where the compiler can (GCC, Clang on x86-64), a second copy of a loop built for
// AVX-512, picked at load time on CPUs that have it: the 64-bit multiplies of the hash
// below vectorise only there. Same results either way (integer arithmetic).
// Not under ThreadSanitizer: the clone's resolver runs while the program loads, before
// TSan's runtime is ready, and crashes it.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KCELL_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KCELL_TSAN 1
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(KCELL_TSAN)
#define KCELL_AVX512_CLONE __attribute__((target_clones("arch=x86-64-v4", "default")))
#else
#define KCELL_AVX512_CLONE
#endif

// keep[i] = 1 for the elements of pairs [begin, end) that survive, 0 for those dropped:
// one 64-bit hash of the pair's index decides both of its elements (32 bits each).
KCELL_AVX512_CLONE
void hash_keep_mask(uint8_t* keep, int64_t begin, int64_t end, uint64_t key, uint32_t drop_below) {
  for (int64_t j = begin; j < end; ++j) {
    const uint64_t h = mix64(key + static_cast<uint64_t>(j) * kGolden);
    keep[2 * j] = static_cast<uint32_t>(h) >= drop_below;
    keep[2 * j + 1] = static_cast<uint32_t>(h >> 32) >= drop_below;
  }
}

// The mask of `count` elements (keep holds an even number of bytes, count rounded up).
// It depends on the element index only, so it is the same for either element type and
// any thread count.
void make_keep_mask(std::vector<uint8_t>& keep, int64_t count, uint64_t key, uint32_t drop_below) {
  const int64_t pairs = (count + 1) / 2;
  keep.resize(static_cast<size_t>(2 * pairs));
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    hash_keep_mask(keep.data(), pairs * t / threads, pairs * (t + 1) / threads, key, drop_below);
  }
}

// out[i] = in[i] * scale where keep[i], else 0 (also for a NaN in[i]). Without branches:
// a random mask would mispredict a quarter to half of them.
template <class Type, class T>
void apply_keep_mask(const T* in, T* out, const uint8_t* keep, int64_t count, float scale) {
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    uint32_t bits;
    const float v = Type::load(in, i);
    std::memcpy(&bits, &v, sizeof bits);
    bits &= 0u - static_cast<uint32_t>(keep[i]);  // all ones or zero
    float kept;
    std::memcpy(&kept, &bits, sizeof kept);
    Type::store(out, i, kept * scale);
  }
}

// The mask applied to a memory of either type (in and out share the type).
void apply_keep_mask(const memory& in, const memory& out, const std::vector<uint8_t>& keep,
                     int64_t count, float scale) {
  if (compat::md_type(in.get_desc()) == memory::data_type::bf16) {
    apply_keep_mask<BF16>(static_cast<const uint16_t*>(in.get_data_handle()),
                          static_cast<uint16_t*>(out.get_data_handle()), keep.data(), count, scale);
  } else {
    apply_keep_mask<F32>(data_of(in), data_of(out), keep.data(), count, scale);
  }
}

}  // namespace

DropoutLayer::DropoutLayer(const std::string& name, Shape in, double rate, uint64_t layer_index)
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
    make_keep_mask(keep_, count_,
                   dropout_key(ctx_.dropout->seed, ctx_.dropout->step, L_.layer_index_),
                   drop_below_);
    apply_keep_mask(src_, dst_, keep_, count_, scale_);
  }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool diff_dst_free) override {
    if (!need_diff_src) return memory();
    // The mask is indexed by buffer offset, so the gradient must share dst's layout.
    diff_dst_ = in_layout(diff_dst, dst_.get_desc(), ctx_.engine, diff_dst_convert_,
                          ctx_.layout_conversions);
    diff_src_ = diff_dst_free || diff_dst_convert_ ? diff_dst_  // in place
                                                   : new_gradient(ctx_, src_.get_desc());
    done_with(ctx_, diff_dst, diff_dst_free, diff_src_);
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (!diff_src_) return;
    if (diff_dst_convert_) diff_dst_convert_.run(s);
    s.wait();
    apply_keep_mask(diff_dst_, diff_src_, keep_, count_, scale_);  // forward's mask
  }

 private:
  DropoutLayer& L_;
  PlanContext ctx_;
  memory src_, dst_, diff_dst_, diff_src_;
  Reorder diff_dst_convert_;
  int64_t count_ = 0;
  uint32_t drop_below_ = 0;
  float scale_ = 1.f;
  std::vector<uint8_t> keep_;  // this step's mask, from forward to backward
};

std::unique_ptr<LayerPlan> DropoutLayer::make_plan(const PlanContext& ctx, const memory& src) {
  if (!ctx.training || rate_ == 0.0) return std::make_unique<PassthroughPlan>(src);
  return std::make_unique<DropoutPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
