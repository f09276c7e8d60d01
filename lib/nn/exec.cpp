#include "nn/exec.hpp"

#include <string>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::nn {

dnnl::memory SharedScratchpad::bind(const dnnl::memory::desc& md) {
  const size_t need = md.get_size();
  if (need > bytes_) {
    buffer_ = dnnl::memory(
        compat::plain_md({static_cast<dnnl::memory::dim>(need)}, dnnl::memory::data_type::u8),
        eng_);
    bytes_ = need;
    for (dnnl::memory& m : users_) m.set_data_handle(buffer_.get_data_handle());
  }
  users_.emplace_back(md, eng_, buffer_.get_data_handle());
  return users_.back();
}

dnnl::memory GradientPool::give(const dnnl::memory::desc& md) {
  const size_t need = md.get_size();
  Buffer* best = nullptr;
  for (Buffer& b : buffers_)
    if (!b.live && b.bytes >= need && (best == nullptr || b.bytes < best->bytes)) best = &b;
  if (best == nullptr) {
    buffers_.push_back({dnnl::memory(compat::plain_md({static_cast<dnnl::memory::dim>(need)},
                                                      dnnl::memory::data_type::u8),
                                     eng_),
                        need, false});
    best = &buffers_.back();
  }
  best->live = true;
  return dnnl::memory(md, eng_, best->mem.get_data_handle());
}

void GradientPool::take_back(const dnnl::memory& m) {
  if (!m) return;
  for (Buffer& b : buffers_)
    if (b.mem.get_data_handle() == m.get_data_handle()) b.live = false;
}

size_t GradientPool::bytes() const {
  size_t total = 0;
  for (const Buffer& b : buffers_) total += b.bytes;
  return total;
}

Exec::Exec(dnnl::primitive prim, std::initializer_list<std::pair<int, dnnl::memory>> args,
           std::shared_ptr<SharedScratchpad> shared)
    : prim_(std::move(prim)), shared_(std::move(shared)) {
  keep_.reserve(args.size() + 1);
  args_.reserve(args.size() + 1);
  for (const auto& [id, mem] : args) {
    if (!mem) continue;  // optional argument left out (e.g. no bias)
    keep_.push_back(mem);
    args_.push_back({id, mem.get()});
  }
  // The plan's shared scratchpad, or its own, unless the caller gives one
  // (compat::user_scratchpad): the primitive may then run on any thread.
  bool given = false;
  for (const dnnl_exec_arg_t& a : args_) given = given || a.arg == DNNL_ARG_SCRATCHPAD;
  const dnnl::memory::desc scratch = compat::scratchpad_desc(prim_);
  if (!given && scratch.get_size() > 0 && !keep_.empty()) {
    if (shared_)
      keep_.push_back(shared_->bind(scratch));
    else
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
