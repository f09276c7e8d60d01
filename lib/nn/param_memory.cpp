#include "nn/param_memory.hpp"

#include "nn/dnnl_compat.hpp"

namespace kcell::nn {

PackedWeights::PackedWeights(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                             const dnnl::memory::desc& want, Param& param)
    : param_(&param), plain_(over(plain, eng, param.value)) {
  if (!(want == plain)) {
    packed_ = dnnl::memory(want, eng);
    pack_ = Reorder(plain_, packed_);
  }
}

void PackedWeights::refresh(dnnl::stream& s, uint64_t version) {
  rebind(plain_, param_->value);
  if (packed_ && version != version_) {
    pack_.run(s);
    version_ = version;
  }
}

GradSink::GradSink(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                   const dnnl::memory::desc& produced, Param& param)
    : param_(&param), plain_(over(plain, eng, param.grad)) {
  if (!(produced == plain)) {
    packed_ = dnnl::memory(produced, eng);
    unpack_ = Reorder(packed_, plain_);
  }
}

void GradSink::prepare() { rebind(plain_, param_->grad); }

void GradSink::finish(dnnl::stream& s) {
  if (packed_) unpack_.run(s);
}

PlainVector::PlainVector(const dnnl::engine& eng, std::vector<float>& v)
    : v_(&v), mem_(over(compat::plain_md({static_cast<int64_t>(v.size())}), eng, v)) {}

const dnnl::memory& PlainVector::bind() {
  mem_.set_data_handle(v_->data());
  return mem_;
}

}  // namespace kcell::nn
