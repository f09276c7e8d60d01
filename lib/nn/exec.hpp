// Running primitives without per-call allocation, and moving tensors between layouts.
#pragma once

#include <dnnl.hpp>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace kcell::nn {

// One scratchpad for all the primitives of a plan. oneDNN uses a scratchpad only while a
// primitive executes, and a plan runs its primitives one after another on one stream, so
// they can share the largest one instead of each holding its own: a Winograd convolution
// of 64-128 channels needs tens to hundreds of MB, growing with batch and image size
// (ResNet-18 at 64x64, batch 128: 76 scratchpads of 1.9 GB in all, the largest 311 MB).
class SharedScratchpad {
 public:
  explicit SharedScratchpad(dnnl::engine eng) : eng_(std::move(eng)) {}
  // A memory of md over the shared buffer; the buffer grows (and the memories handed out
  // before move onto the new one) when md needs more than it holds.
  dnnl::memory bind(const dnnl::memory::desc& md);
  size_t bytes() const { return bytes_; }

 private:
  dnnl::engine eng_;
  dnnl::memory buffer_;
  size_t bytes_ = 0;
  std::vector<dnnl::memory> users_;
};

// The activation gradients of a training plan, on buffers that are reused once dead. A
// plan builds its backward primitives in the order they run, so a gradient whose last
// reader has been built is dead for every primitive built after it: give() may hand its
// buffer out again. Without this every layer kept a gradient buffer of its own, all of
// them alive at once (ResNet-18 at 64x64, batch 32: 0.7 GB more than PyTorch's peak).
class GradientPool {
 public:
  explicit GradientPool(dnnl::engine eng) : eng_(std::move(eng)) {}
  // A gradient tensor of md: the smallest dead buffer that holds it, or a new one.
  dnnl::memory give(const dnnl::memory::desc& md);
  // Nothing built from now on reads m (a tensor give() returned, or a view of its whole
  // buffer); other memories are left alone.
  void take_back(const dnnl::memory& m);
  size_t bytes() const;

 private:
  struct Buffer {
    dnnl::memory mem;
    size_t bytes = 0;
    bool live = false;
  };
  dnnl::engine eng_;
  std::vector<Buffer> buffers_;
};

// A primitive with its arguments bound once. dnnl::primitive::execute builds a fresh
// argument vector on every call; this keeps one, so steady-state steps do not allocate.
// The memories are held (they are reference-counted handles), so rebinding a memory's
// data handle is seen by the next run(). A primitive that needs a scratchpad and is given
// none (DNNL_ARG_SCRATCHPAD) takes it from `shared` (its plan's) or, without one, gets its
// own; either way it runs on whichever thread calls run().
class Exec {
 public:
  Exec() = default;
  Exec(dnnl::primitive prim, std::initializer_list<std::pair<int, dnnl::memory>> args,
       std::shared_ptr<SharedScratchpad> shared = nullptr);
  void run(dnnl::stream& s) const;
  explicit operator bool() const { return static_cast<bool>(prim_); }

 private:
  dnnl::primitive prim_;
  std::shared_ptr<SharedScratchpad> shared_;  // keeps the buffer the scratchpad points into
  std::vector<dnnl::memory> keep_;
  std::vector<dnnl_exec_arg_t> args_;
};

// Copies one tensor into another of the same dims and a different layout.
class Reorder {
 public:
  Reorder() = default;
  Reorder(const dnnl::memory& from, const dnnl::memory& to);
  void run(dnnl::stream& s) const { exec_.run(s); }
  explicit operator bool() const { return static_cast<bool>(exec_); }

 private:
  Exec exec_;
};

// Returns `given` when it already has layout `want`; otherwise allocates a tensor of
// layout `want`, sets `convert` to fill it from `given`, and returns it. `counter`, when
// not null, counts the conversions created (a diagnostic: between layers there should be
// none).
dnnl::memory in_layout(const dnnl::memory& given, const dnnl::memory::desc& want,
                       const dnnl::engine& eng, Reorder& convert, int* counter = nullptr);

// A memory of md over the floats of v (which must hold md's size); rebind() after v may
// have been reallocated.
dnnl::memory over(const dnnl::memory::desc& md, const dnnl::engine& eng, std::vector<float>& v);
inline void rebind(dnnl::memory& m, std::vector<float>& v) { m.set_data_handle(v.data()); }

// Float pointer of a memory owned by a primitive plan.
inline float* data_of(const dnnl::memory& m) { return static_cast<float*>(m.get_data_handle()); }

}  // namespace kcell::nn
