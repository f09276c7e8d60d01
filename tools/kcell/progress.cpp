#include "progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace kcell_cli {

void ProgressDisplay::show(const kcell_progress& p) {
  if (quiet) return;
  const size_t images = std::min(p.batch * batch_size, train_count);
  const double rate = p.seconds > 0 ? static_cast<double>(images) / p.seconds : 0.0;
  if (p.phase == 1) {
    // The epoch is over: one line that stays, with validation and the train-val gap.
    std::printf("%sepoch %d/%d  train loss %.4f acc %.4f", terminal ? "\r\033[K" : "", p.epoch + 1,
                p.epochs, p.loss, p.accuracy);
    if (!std::isnan(p.val_accuracy))
      std::printf("  val loss %.4f acc %.4f  gap %+.4f", p.val_loss, p.val_accuracy,
                  p.accuracy - p.val_accuracy);
    std::printf("  %.0f img/s  %.1fs\n", rate, p.seconds);
    std::fflush(stdout);
    return;
  }
  if (terminal) {
    const int width = 30;
    const double done = p.batches ? static_cast<double>(p.batch) / p.batches : 1.0;
    const int filled = static_cast<int>(done * width);
    const double left = rate > 0 ? (train_count - images) / rate : 0.0;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stdout,
                 "\repoch %d/%d [%s] %3.0f%%  %6.0f img/s  loss %.4f  acc %.4f  %3.0fs left ",
                 p.epoch + 1, p.epochs, bar.c_str(), done * 100.0, rate, p.loss, p.accuracy, left);
    std::fflush(stdout);
  } else {
    // Plain output: about ten lines an epoch, so logs stay readable.
    const size_t every = std::max<size_t>(1, p.batches / 10);
    if (p.batch % every != 0 && p.batch != p.batches) return;
    std::printf("epoch %d/%d  batch %zu/%zu  %.0f img/s  loss %.4f  acc %.4f\n", p.epoch + 1,
                p.epochs, p.batch, p.batches, rate, p.loss, p.accuracy);
    std::fflush(stdout);
  }
}

}  // namespace kcell_cli
