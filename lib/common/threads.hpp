// How many compute threads kcell uses, and applying that to OpenMP (oneDNN's runtime).
#pragma once

namespace kcell {

// 0 means all cores. Applies to calls made from the calling thread.
void set_default_threads(int threads);

// Sets OpenMP's thread count for the calling thread: `threads` if positive, else the
// default. Returns the count in effect.
int apply_threads(int threads);

}  // namespace kcell
