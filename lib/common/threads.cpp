#include "common/threads.hpp"

#include <omp.h>

namespace kcell {
namespace {
thread_local int default_threads = 0;
}

void set_default_threads(int threads) {
  default_threads = threads;
  apply_threads(0);
}

int apply_threads(int threads) {
  int n = threads > 0 ? threads : default_threads;
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  return n;
}

}  // namespace kcell
