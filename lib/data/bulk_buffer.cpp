#include "data/bulk_buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

namespace kcell::data {
namespace {

// Below this, huge pages cannot help.
constexpr size_t kHugePageThreshold = size_t{4} << 20;

}  // namespace

void resize_for_bulk_write(std::vector<uint8_t>& buffer, size_t size) {
  if (size >= kHugePageThreshold && buffer.capacity() < size) {
    // reserve() allocates without touching the pages, so the advice comes before the
    // first fault; resize() then zero-fills through huge pages.
    std::vector<uint8_t>().swap(buffer);
    buffer.reserve(size);
#ifdef MADV_HUGEPAGE
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<uintptr_t>(buffer.data()) + page - 1) & ~(page - 1);
    const auto end = (reinterpret_cast<uintptr_t>(buffer.data()) + size) & ~(page - 1);
    // Only advice: where huge pages are unavailable this fails harmlessly.
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
  }
  buffer.resize(size);
}

}  // namespace kcell::data
