// Parameters are kept plain (PyTorch order) in Param; primitives may want them blocked.
// These two adaptors do the conversions at the parameter edge and nowhere else.
#pragma once

#include <cstdint>
#include <dnnl.hpp>

#include "nn/exec.hpp"
#include "nn/network.hpp"

namespace kcell::nn {

// A parameter's value in the layout a primitive wants: Param::value itself when that is
// already the layout, otherwise a packed copy refreshed only when the weights version
// moved (Network::weights_changed).
class PackedWeights {
 public:
  PackedWeights() = default;
  PackedWeights(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                const dnnl::memory::desc& want, Param& param);
  // The memory to bind as the primitive's argument; its contents are made current by
  // refresh().
  const dnnl::memory& memory() const { return packed_ ? packed_ : plain_; }
  void refresh(dnnl::stream& s, uint64_t version);

 private:
  Param* param_ = nullptr;
  dnnl::memory plain_, packed_;
  Reorder pack_;
  uint64_t version_ = 0;
};

// A parameter's gradient as a primitive produces it: written straight into Param::grad
// when the layout is plain, otherwise into scratch and unpacked by finish().
class GradSink {
 public:
  GradSink() = default;
  GradSink(const dnnl::engine& eng, const dnnl::memory::desc& plain,
           const dnnl::memory::desc& produced, Param& param);
  // Rebinds to Param::grad (which may have moved); call before running the primitive.
  void prepare();
  const dnnl::memory& memory() const { return packed_ ? packed_ : plain_; }
  void finish(dnnl::stream& s);

 private:
  Param* param_ = nullptr;
  dnnl::memory plain_, packed_;
  Reorder unpack_;
};

// A plain 1-D per-channel tensor (bias, BN scale/shift/statistics) used in place.
class PlainVector {
 public:
  PlainVector() = default;
  PlainVector(const dnnl::engine& eng, std::vector<float>& v);
  const dnnl::memory& bind();  // rebinds to v's current storage
  const dnnl::memory& memory() const { return mem_; }

 private:
  std::vector<float>* v_ = nullptr;
  dnnl::memory mem_;
};

}  // namespace kcell::nn
