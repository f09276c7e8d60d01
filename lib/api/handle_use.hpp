// Who is using a model or dataset handle right now, so that misuse gets a
// status instead of undefined behaviour: a free while calls run is deferred
// until the last of them returns, and an exclusive call (kcell_train,
// kcell_model_set_class_names) never overlaps another call on the same handle,
// nor a call on it from inside its own progress callback (Status::busy). One
// atomic word: bit 63 = free requested, bit 62 = exclusive use, the rest =
// calls in progress.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace kcell::api {

class UseState {
 public:
  static constexpr uint64_t kFreed = uint64_t{1} << 63;
  static constexpr uint64_t kExclusive = uint64_t{1} << 62;
  static constexpr uint64_t kCount = kExclusive - 1;
  std::atomic<uint64_t> bits{0};
};

// Frees `handle` now, or marks it so that the call using it frees it when it
// returns.
template <class Handle>
void release_handle(Handle* handle) {
  if (!handle) return;
  const uint64_t old = handle->use.bits.fetch_or(UseState::kFreed, std::memory_order_acq_rel);
  if ((old & UseState::kFreed) == 0 && (old & UseState::kCount) == 0) delete handle;
}

enum class Access { shared, exclusive };

// Marks one call's use of a handle for the scope of the object; NULL passes
// through (the caller's require() reports it). Throws invalid_argument for a
// freed handle and busy when the access conflicts with a call in progress.
template <class Handle>
class InUse {
 public:
  InUse(const Handle* handle, const char* what, Access access)
      : handle_(const_cast<Handle*>(handle)) {
    if (!handle_) return;
    std::atomic<uint64_t>& bits = handle_->use.bits;
    if (access == Access::shared) {
      const uint64_t old = bits.fetch_add(1, std::memory_order_acq_rel);
      step_ = 1;
      if (old & (UseState::kFreed | UseState::kExclusive)) refuse(old, what);
      return;
    }
    uint64_t old = bits.load(std::memory_order_acquire);
    do {
      if (old & (UseState::kFreed | UseState::kExclusive | UseState::kCount)) {
        handle_ = nullptr;  // nothing taken, nothing to give back
        refuse(old, what);
      }
    } while (!bits.compare_exchange_weak(old, UseState::kExclusive | 1, std::memory_order_acq_rel));
    step_ = UseState::kExclusive | 1;
  }
  InUse(const InUse&) = delete;
  InUse& operator=(const InUse&) = delete;
  ~InUse() { leave(); }

 private:
  void leave() {
    if (!handle_) return;
    const uint64_t old = handle_->use.bits.fetch_sub(step_, std::memory_order_acq_rel);
    if ((old & UseState::kFreed) && (old & UseState::kCount) == 1) delete handle_;
    handle_ = nullptr;
  }
  [[noreturn]] void refuse(uint64_t old, const char* what) {
    leave();
    if (old & UseState::kFreed)
      fail(Status::invalid_argument,
           std::string(what) + " was freed (its release waits for a call in progress)");
    fail(Status::busy,
         std::string(what) + ((old & UseState::kExclusive)
                                  ? " is being trained or changed by another call (on this "
                                    "thread from a progress callback, or on another thread)"
                                  : " is in use by another call; training or renaming needs it "
                                    "alone"));
  }

  Handle* handle_;
  uint64_t step_ = 0;
};

}  // namespace kcell::api
