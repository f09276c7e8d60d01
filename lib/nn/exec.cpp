#include "nn/exec.hpp"

#include <string>

#include "common/error.hpp"

namespace kcell::nn {

Exec::Exec(dnnl::primitive prim, std::initializer_list<std::pair<int, dnnl::memory>> args)
    : prim_(std::move(prim)) {
  keep_.reserve(args.size());
  args_.reserve(args.size());
  for (const auto& [id, mem] : args) {
    if (!mem) continue;  // optional argument left out (e.g. no bias)
    keep_.push_back(mem);
    args_.push_back({id, mem.get()});
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
    : exec_(dnnl::reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}}) {}

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
