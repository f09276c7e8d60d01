// Replacing a file so that it is never seen half-written: the bytes go to a temporary
// file in the same folder, which is flushed to disk and then renamed over the target.
// The one home of the rules every kcell writer follows (model, checkpoint, and through
// kcell_write_file() the program's JSON, CSV, HTML and sweep tables).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kcell {

// Longest file name (one path component) the writer accepts; its temporary name is kept
// within the same 255 bytes.
constexpr size_t kMaxFileNameBytes = 255;

// Writes `size` bytes to `path`. Readers see either the previous file or the whole new
// one; a failure (folder not writable, disk full, a crash or kill) leaves the previous file
// as it was. The rules:
// - a target that exists and is not a regular file (folder, device, FIFO, socket, symbolic
//   link, including /dev/stdout) is refused, never replaced: Status::io;
// - a replaced file keeps its permission bits (and owner, where the process may set it);
//   a new one gets 0666 minus the umask;
// - the temporary is created with O_CREAT|O_EXCL|O_NOFOLLOW under a name unique to this
//   process and call (".<name>.kcell-tmp-<pid>-<n>-<random>", the name part shortened so the
//   whole fits 255 bytes), so a planted file or link there is never opened or followed.
// On failure the temporary file is removed, except when the process dies, which leaves a
// ".<name>.kcell-tmp-*" file next to the target. Throws Status::io naming the path and the
// system's reason.
void write_file_atomically(const std::string& path, const void* data, size_t size);

// Checks, before any work, that write_file_atomically(path, ...) can succeed as far as can
// be known: the name is not empty and fits kMaxFileNameBytes, the folder exists and is
// writable, and the target is absent or a regular file. Any of `inputs` (files the same
// run reads; empty strings are skipped) that is the same file as `path` (same device and
// inode, or the same path after resolving links) is refused with Status::invalid_argument.
// Throws Status::io (or invalid_argument) with one line naming the path and the reason.
void check_output_file(const std::string& path, const std::vector<std::string>& inputs);

}  // namespace kcell
