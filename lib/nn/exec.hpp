// Running primitives without per-call allocation, and moving tensors between layouts.
#pragma once

#include <dnnl.hpp>
#include <initializer_list>
#include <utility>
#include <vector>

namespace kcell::nn {

// A primitive with its arguments bound once. dnnl::primitive::execute builds a fresh
// argument vector on every call; this keeps one, so steady-state steps do not allocate.
// The memories are held (they are reference-counted handles), so rebinding a memory's
// data handle is seen by the next run(). A primitive that needs a scratchpad and is given
// none (DNNL_ARG_SCRATCHPAD) gets its own, so it runs on whichever thread calls run().
class Exec {
 public:
  Exec() = default;
  Exec(dnnl::primitive prim, std::initializer_list<std::pair<int, dnnl::memory>> args);
  void run(dnnl::stream& s) const;
  explicit operator bool() const { return static_cast<bool>(prim_); }

 private:
  dnnl::primitive prim_;
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
