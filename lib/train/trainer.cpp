#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/threads.hpp"
#include "train/batcher.hpp"
#include "train/evaluate.hpp"
#include "train/finite.hpp"
#include "train/normalization.hpp"
#include "train/rng.hpp"
#include "train/run_record.hpp"
#include "train/split_check.hpp"

namespace kcell::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Stream numbers for derive_seed: one per epoch's shuffle, one for dropout.
constexpr uint64_t dropout_stream = 0xD50F00D;

// Copies of the batch-norm running statistics, taken before each training forward so a
// diverging step can be undone (weights are only changed by a step that passed checks).
class BufferSnapshot {
 public:
  explicit BufferSnapshot(std::vector<nn::Buffer*> buffers) : buffers_(std::move(buffers)) {
    for (const nn::Buffer* b : buffers_) saved_.push_back(b->value);
  }
  void save() {
    for (size_t i = 0; i < buffers_.size(); ++i)
      std::copy(buffers_[i]->value.begin(), buffers_[i]->value.end(), saved_[i].begin());
  }
  void restore() {
    for (size_t i = 0; i < buffers_.size(); ++i)
      std::copy(saved_[i].begin(), saved_[i].end(), buffers_[i]->value.begin());
  }

 private:
  std::vector<nn::Buffer*> buffers_;
  std::vector<std::vector<float>> saved_;
};

[[noreturn]] void stop_not_finite(model::Model& model, BufferSnapshot& snapshot,
                                  const std::string& what, int epoch, size_t batch) {
  snapshot.restore();
  model.network().weights_changed();
  fail(Status::not_finite,
       what + " at epoch " + std::to_string(epoch + 1) + ", batch " +
           std::to_string(batch + 1) +
           "; training stopped with the weights from before that step (try a lower learning "
           "rate)");
}

[[noreturn]] void stop_cancelled(int epoch, size_t batch) {
  fail(Status::cancelled, "training cancelled by the progress callback at epoch " +
                              std::to_string(epoch + 1) + ", batch " + std::to_string(batch));
}

}  // namespace

void train(model::Model& model, const data::Dataset& train, const data::Dataset* val,
           const TrainConfig& config) {
  apply_threads(config.num_threads);
  if (config.epochs < 1)
    fail(Status::invalid_argument,
         "epochs must be 1 or more, got " + std::to_string(config.epochs));
  if (config.batch_size < 1)
    fail(Status::invalid_argument,
         "batch size must be 1 or more, got " + std::to_string(config.batch_size));
  check_split_fits(model, train, data::SplitId::train, "training split");
  if (val) check_split_fits(model, *val, data::SplitId::val, "validation split");

  const data::Split& split = train.split(data::SplitId::train);
  const bool first_run = model.normalization().empty();
  const model::Normalization normalization =
      first_run ? compute_normalization(split, model.channels(),
                                        static_cast<size_t>(model.height()) * model.width())
                : model.normalization();

  const int k = model.num_classes();
  const SoftmaxCrossEntropy loss(k, config.loss);
  Batcher batcher(split, model.channels(), model.height(), model.width(), normalization,
                  config.batch_size);
  const size_t batches = batcher.num_batches();
  const LearningRateSchedule schedule({config.schedule, config.learning_rate, config.epochs,
                                       batches, config.warmup_epochs});
  nn::Network& net = model.network();
  const std::vector<nn::Param*> params = net.params();
  const std::unique_ptr<Optimizer> optimizer = make_optimizer(config.optimizer, params);
  BufferSnapshot snapshot(net.buffers());
  // Rows of the largest batch: the batch size, or the whole split when that is smaller.
  const size_t rows = std::min(split.count, static_cast<size_t>(config.batch_size));
  std::vector<float> dlogits(rows * static_cast<size_t>(k));
  net.set_dropout_seed(derive_seed(config.seed, dropout_stream));
  // Every setting has been checked: only now does the model change.
  if (first_run) model.set_normalization(normalization);
  model::TrainingSummary summary = model.training_summary();
  summary.parameters = settings_of(config);
  model.set_training_summary(summary);

  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    const Clock::time_point start = Clock::now();
    batcher.set_order(shuffled_indices(split.count, derive_seed(config.seed, epoch)));
    double loss_sum = 0.0, weight_sum = 0.0;
    size_t correct = 0, seen = 0;
    double lr = config.learning_rate;
    Progress progress;
    progress.epoch = epoch;
    progress.epochs = config.epochs;
    progress.batches = batches;

    for (size_t b = 0; b < batches; ++b) {
      const int n = batcher.load(b);
      if (dlogits.size() < static_cast<size_t>(n) * k)  // only if an order outgrows rows
        dlogits.resize(static_cast<size_t>(n) * k);
      snapshot.save();
      const float* logits = net.forward(batcher.images(), n, true);
      const BatchLoss l = loss.compute(logits, batcher.labels(), n, dlogits.data(), nullptr);
      if (!std::isfinite(l.loss))
        stop_not_finite(model, snapshot, "the training loss became NaN or infinite", epoch, b);
      net.backward(dlogits.data());
      if (!gradients_finite(params))
        stop_not_finite(model, snapshot, "a gradient became NaN or infinite", epoch, b);
      lr = schedule.at(epoch, b);
      optimizer->step(lr);
      net.weights_changed();

      loss_sum += l.sum;
      weight_sum += l.weight;
      correct += l.correct;
      seen += static_cast<size_t>(n);
      if (config.progress) {
        progress.batch = b + 1;
        progress.loss = weight_sum > 0.0 ? loss_sum / weight_sum : 0.0;
        progress.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        progress.seconds = seconds_since(start);
        progress.phase = 0;
        if (!config.progress(progress)) stop_cancelled(epoch, b + 1);
      }
    }

    EpochStats stats;
    stats.epoch = epoch;
    stats.train_loss = weight_sum > 0.0 ? loss_sum / weight_sum : 0.0;
    stats.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    stats.val_loss = stats.val_accuracy = std::numeric_limits<double>::quiet_NaN();
    if (val) {
      const Evaluation e = evaluate(model, *val, data::SplitId::val, config.batch_size);
      stats.val_loss = e.loss;
      stats.val_accuracy = e.accuracy;
    }
    stats.learning_rate = lr;
    stats.seconds = seconds_since(start);
    record_epoch(summary, stats);
    model.set_training_summary(summary);
    if (config.on_epoch) config.on_epoch(stats);
    if (config.progress) {
      progress.batch = batches;
      progress.loss = stats.train_loss;
      progress.accuracy = stats.train_accuracy;
      progress.seconds = stats.seconds;
      progress.phase = 1;
      if (!config.progress(progress)) stop_cancelled(epoch, batches);
    }
  }
}

}  // namespace kcell::train
