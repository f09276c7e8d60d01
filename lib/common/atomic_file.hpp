// Replacing a file so that it is never seen half-written: the bytes go to a temporary
// file in the same folder, which is flushed to disk and then renamed over the target.
#pragma once

#include <cstddef>
#include <string>

namespace kcell {

// Writes `size` bytes to `path`. Readers see either the previous file or the whole new
// one; a failure (folder not writable, disk full, a crash or kill) leaves the previous file
// as it was. On failure the temporary file is removed, except when the process dies, which
// leaves a file named ".<name>.kcell-tmp-*" next to the target. Throws Status::io naming
// the path and the system's reason.
void write_file_atomically(const std::string& path, const void* data, size_t size);

}  // namespace kcell
