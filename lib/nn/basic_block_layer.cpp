#include "nn/basic_block_layer.hpp"

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

namespace kcell::nn {

using dnnl::algorithm;
using dnnl::memory;

BasicBlockLayer::BasicBlockLayer(const std::string& name, Shape in, int64_t out_channels,
                                 int64_t stride, SplitMix64& rng) {
  if (in.flat) fail(Status::spec, name + ": a residual block needs an image input");
  conv1_ = std::make_unique<ConvLayer>(name + ".conv1", in,
                                       ConvGeometry{out_channels, 3, stride, 1, false}, rng);
  bn1_ = std::make_unique<BatchNormLayer>(name + ".bn1", conv1_->out_shape(), true);
  conv2_ = std::make_unique<ConvLayer>(name + ".conv2", conv1_->out_shape(),
                                       ConvGeometry{out_channels, 3, 1, 1, false}, rng);
  bn2_ = std::make_unique<BatchNormLayer>(name + ".bn2", conv2_->out_shape(), false);
  if (stride != 1 || out_channels != in.c) {
    proj_conv_ = std::make_unique<ConvLayer>(name + ".shortcut.conv", in,
                                             ConvGeometry{out_channels, 1, stride, 0, false}, rng);
    proj_bn_ =
        std::make_unique<BatchNormLayer>(name + ".shortcut.bn", proj_conv_->out_shape(), false);
    const Shape a = conv2_->out_shape(), b = proj_conv_->out_shape();
    if (a.h != b.h || a.w != b.w) {
      fail(Status::spec, name +
                             ": residual branches disagree in size (input too small for "
                             "the stride)");
    }
  }
}

void BasicBlockLayer::collect(std::vector<Param*>& params, std::vector<Buffer*>& buffers) {
  conv1_->collect(params, buffers);
  bn1_->collect(params, buffers);
  conv2_->collect(params, buffers);
  bn2_->collect(params, buffers);
  if (proj_conv_) {
    proj_conv_->collect(params, buffers);
    proj_bn_->collect(params, buffers);
  }
}

BasicBlockLayer::Tensors BasicBlockLayer::tensors() const {
  Tensors t;
  t.conv1 = conv1_->tensors();
  t.bn1 = bn1_->tensors();
  t.conv2 = conv2_->tensors();
  t.bn2 = bn2_->tensors();
  t.projection = proj_conv_ != nullptr;
  if (t.projection) {
    t.shortcut_conv = proj_conv_->tensors();
    t.shortcut_bn = proj_bn_->tensors();
  }
  return t;
}

class BasicBlockPlan : public LayerPlan {
 public:
  BasicBlockPlan(BasicBlockLayer& L, const PlanContext& ctx, const memory& src) : ctx_(ctx) {
    c1_ = L.conv1_->make_plan(ctx, src);
    b1_ = L.bn1_->make_plan(ctx, c1_->dst());
    c2_ = L.conv2_->make_plan(ctx, b1_->dst());
    b2_ = L.bn2_->make_plan(ctx, c2_->dst());
    memory shortcut = src;
    if (L.proj_conv_) {
      pc_ = L.proj_conv_->make_plan(ctx, src);
      pb_ = L.proj_bn_->make_plan(ctx, pc_->dst());
      shortcut = pb_->dst();
    }
    const memory main = b2_->dst();
    const memory::desc md = main.get_desc();
    shortcut = in_layout(shortcut, md, ctx.engine, shortcut_convert_, ctx.layout_conversions);
    dst_ = memory(md, ctx.engine);
    // The add and the final ReLU in one pass.
    auto pd = compat::make_binary_pd(ctx.engine, algorithm::binary_add, md, md, md,
                                     compat::relu_post_op_attr());
    add_ = Exec(dnnl::binary(pd),
                {{DNNL_ARG_SRC_0, main}, {DNNL_ARG_SRC_1, shortcut}, {DNNL_ARG_DST, dst_}},
                ctx_.scratchpad);
  }

  memory dst() const override { return dst_; }

  void forward(dnnl::stream& s) override {
    c1_->forward(s);
    b1_->forward(s);
    c2_->forward(s);
    b2_->forward(s);
    if (pc_) {
      pc_->forward(s);
      pb_->forward(s);
    }
    if (shortcut_convert_) shortcut_convert_.run(s);
    add_.run(s);
  }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool diff_dst_free) override {
    // The final ReLU's gradient from its output: pass where dst > 0.
    const memory::desc md = dst_.get_desc();
    const auto alg = algorithm::eltwise_relu_use_dst_for_bwd;
    auto hint = compat::make_eltwise_fwd_pd(ctx_.engine, dnnl::prop_kind::forward_training, alg, md,
                                            0.f, 0.f);
    auto relu_pd = compat::make_eltwise_bwd_pd(ctx_.engine, alg, md, md, 0.f, 0.f, hint);
    memory dd = in_layout(diff_dst, relu_pd.diff_dst_desc(), ctx_.engine, diff_dst_convert_,
                          ctx_.layout_conversions);
    d_sum_ = new_gradient(ctx_, relu_pd.diff_src_desc());
    relu_bwd_ = Exec(dnnl::eltwise_backward(relu_pd),
                     {{DNNL_ARG_DST, dst_}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_SRC, d_sum_}},
                     ctx_.scratchpad);
    done_with(ctx_, diff_dst, diff_dst_free, d_sum_);

    // d_sum_ feeds both branches: only the shortcut's batch norm, its last reader, may
    // overwrite it; the gradients between the main branch's layers are private.
    memory g = b2_->build_backward(d_sum_, true, false);
    g = c2_->build_backward(g, true, true);
    g = b1_->build_backward(g, true, true);
    memory main = c1_->build_backward(g, need_diff_src, true);
    memory shortcut = d_sum_;
    if (pc_) {
      shortcut = pb_->build_backward(d_sum_, true, true);
      shortcut = pc_->build_backward(shortcut, need_diff_src, true);
    }
    // Without a projection d_sum_ is the shortcut's gradient as it is, read by the add
    // below; with one, the projection's convolution was its last reader.
    if (!need_diff_src) {
      if (!pc_) done_with(ctx_, d_sum_, true, memory());
      return memory();
    }

    const memory::desc gmd = main.get_desc();
    const memory shortcut_given = shortcut;
    shortcut =
        in_layout(shortcut, gmd, ctx_.engine, diff_shortcut_convert_, ctx_.layout_conversions);
    diff_src_ = new_gradient(ctx_, gmd);
    auto pd = compat::make_binary_pd(ctx_.engine, algorithm::binary_add, gmd, gmd, gmd);
    diff_add_ =
        Exec(dnnl::binary(pd),
             {{DNNL_ARG_SRC_0, main}, {DNNL_ARG_SRC_1, shortcut}, {DNNL_ARG_DST, diff_src_}},
             ctx_.scratchpad);
    done_with(ctx_, main, true, diff_src_);
    done_with(ctx_, shortcut_given, true, diff_src_);
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (diff_dst_convert_) diff_dst_convert_.run(s);
    relu_bwd_.run(s);
    b2_->backward(s);
    c2_->backward(s);
    b1_->backward(s);
    c1_->backward(s);
    if (pc_) {
      pb_->backward(s);
      pc_->backward(s);
    }
    if (!diff_add_) return;
    if (diff_shortcut_convert_) diff_shortcut_convert_.run(s);
    diff_add_.run(s);
  }

 private:
  PlanContext ctx_;
  std::unique_ptr<LayerPlan> c1_, b1_, c2_, b2_, pc_, pb_;
  memory dst_, d_sum_, diff_src_;
  Reorder shortcut_convert_, diff_dst_convert_, diff_shortcut_convert_;
  Exec add_, relu_bwd_, diff_add_;
};

std::unique_ptr<LayerPlan> BasicBlockLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<BasicBlockPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
