#include "nn/flatten_layer.hpp"

#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

namespace kcell::nn {

using dnnl::memory;

namespace {

class FlattenPlan : public LayerPlan {
 public:
  FlattenPlan(const PlanContext& ctx, Shape in, const memory& src) : ctx_(ctx), in_(in) {
    plain4_ = compat::plain_md(in.dims(ctx.n), ctx.act_type);
    flat_ = compat::plain_md({ctx.n, in.size()}, ctx.act_type);
    src_plain_ = in_layout(src, plain4_, ctx.engine, src_convert_, ctx.layout_conversions);
    dst_ = memory(flat_, ctx.engine, src_plain_.get_data_handle());
  }

  memory dst() const override { return dst_; }

  void forward(dnnl::stream& s) override {
    if (src_convert_) {
      src_convert_.run(s);
    } else {
      dst_.set_data_handle(src_plain_.get_data_handle());  // the input may have moved
    }
  }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool) override {
    if (!need_diff_src) return memory();
    diff_flat_ = in_layout(diff_dst, flat_, ctx_.engine, diff_convert_, ctx_.layout_conversions);
    diff_src_ = memory(plain4_, ctx_.engine, diff_flat_.get_data_handle());
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (!diff_src_) return;
    if (diff_convert_) diff_convert_.run(s);
    diff_src_.set_data_handle(diff_flat_.get_data_handle());
  }

 private:
  PlanContext ctx_;
  Shape in_;
  memory::desc plain4_, flat_;
  memory src_plain_, dst_, diff_flat_, diff_src_;
  Reorder src_convert_, diff_convert_;
};

}  // namespace

std::unique_ptr<LayerPlan> FlattenLayer::make_plan(const PlanContext& ctx, const memory& src) {
  if (in_.flat) return std::make_unique<PassthroughPlan>(src);
  return std::make_unique<FlattenPlan>(ctx, in_, src);
}

}  // namespace kcell::nn
