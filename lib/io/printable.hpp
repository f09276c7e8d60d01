// Text from a file (member names, header keys) made safe to put in an error message.
#pragma once

#include <string>

namespace kcell::io {

// Returns `text` with bytes outside printable ASCII written as \xNN, cut to `max_chars`
// characters (with "..." appended) so a hostile file cannot flood or garble a message.
std::string printable(const std::string& text, size_t max_chars = 80);

}  // namespace kcell::io
