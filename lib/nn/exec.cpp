#include "nn/exec.hpp"

#include <string>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::nn {

Exec::Exec(dnnl::primitive prim, std::initializer_list<std::pair<int, dnnl::memory>> args)
    : prim_(std::move(prim)) {
  keep_.reserve(args.size() + 1);
  args_.reserve(args.size() + 1);
  for (const auto& [id, mem] : args) {
    if (!mem) continue;  // optional argument left out (e.g. no bias)
    keep_.push_back(mem);
    args_.push_back({id, mem.get()});
  }
  // Its own scratchpad unless the caller shares one (compat::user_scratchpad): the
  // primitive may then run on any thread.
  bool given = false;
  for (const dnnl_exec_arg_t& a : args_) given = given || a.arg == DNNL_ARG_SCRATCHPAD;
  const dnnl::memory::desc scratch = compat::scratchpad_desc(prim_);
  if (!given && scratch.get_size() > 0 && !keep_.empty()) {
    keep_.emplace_back(scratch, keep_.front().get_engine());
    args_.push_back({DNNL_ARG_SCRATCHPAD, keep_.back().get()});
  }
}

void Exec::run(dnnl::stream& s) const {
  dnnl_status_t st =
      dnnl_primitive_execute(prim_.get(), s.get(), static_cast<int>(args_.size()), args_.data());
  if (st != dnnl_success) {
    throw dnnl::error(st, "could not execute a primitive");
  }
}

Reorder::Reorder(const dnnl::memory& from, const dnnl::memory& to)
    : exec_(compat::make_reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}}) {}

dnnl::memory in_layout(const dnnl::memory& given, const dnnl::memory::desc& want,
                       const dnnl::engine& eng, Reorder& convert, int* counter) {
  if (given.get_desc() == want) {
    convert = Reorder();
    return given;
  }
  dnnl::memory out(want, eng);
  convert = Reorder(given, out);
  if (counter != nullptr) ++*counter;
  return out;
}

dnnl::memory over(const dnnl::memory::desc& md, const dnnl::engine& eng, std::vector<float>& v) {
  if (md.get_size() != v.size() * sizeof(float)) {
    fail(Status::internal,
         "tensor of " + std::to_string(v.size()) + " floats does not match its oneDNN descriptor");
  }
  return dnnl::memory(md, eng, v.data());
}

}  // namespace kcell::nn
