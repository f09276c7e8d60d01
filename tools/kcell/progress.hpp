// Training progress for people: a live bar on a terminal, plain lines otherwise.
#pragma once

#include <kcell/kcell.hpp>

#include <cstddef>

namespace kcell_cli {

struct ProgressDisplay {
  bool quiet = false;
  bool terminal = false;   // redraw one line in place
  size_t batch_size = 0;   // to turn batches into images/s
  size_t train_count = 0;  // images per epoch

  // Prints one report of kcell::Model::train(); never cancels.
  void show(const kcell_progress& progress);
};

}  // namespace kcell_cli
