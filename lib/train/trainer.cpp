#include "train/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "common/threads.hpp"
#include "infer/batcher.hpp"
#include "infer/decision_bias.hpp"
#include "infer/evaluate.hpp"
#include "infer/metrics.hpp"
#include "infer/model_engine.hpp"
#include "infer/multilabel_metrics.hpp"
#include "infer/tta.hpp"
#include "model/normalization.hpp"
#include "model/split_check.hpp"
#include "nn/batch_norm_sync.hpp"
#include "train/batch_mixing.hpp"
#include "train/checkpoint.hpp"
#include "train/data_parallel.hpp"
#include "train/finite.hpp"
#include "train/last_good_state.hpp"
#include "train/model_selection.hpp"
#include "train/prior_shift.hpp"
#include "train/recipe.hpp"
#include "train/run_fingerprint.hpp"
#include "train/run_record.hpp"
#include "train/sampler.hpp"
#include "train/task_loss.hpp"
#include "train/weight_average.hpp"

namespace kcell::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Stream numbers for derive_seed: one per epoch's shuffle, one for dropout, augmentation
// and batch mixing.
constexpr uint64_t dropout_stream = 0xD50F00D;
constexpr uint64_t augment_stream = 0xA06E7;
constexpr uint64_t mixing_stream = 0x313C5;

[[noreturn]] void stop_not_finite(model::Model& model, LastGoodState& last_good,
                                  const std::string& what, int epoch, size_t batch) {
  last_good.restore(model.network());
  fail(Status::not_finite,
       what + " at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(batch + 1) +
           "; training stopped with the last weights whose loss and gradients were finite, "
           "from before the previous step (try a lower learning rate)");
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Puts a checkpoint's model state into `model`: weights, batch-norm statistics,
// normalisation and training summary (read_checkpoint checked that they fit).
void adopt(model::Model& saved, model::Model& model) {
  nn::Network& from = saved.network();
  const std::vector<nn::Param*> params = from.params(), to_params = model.network().params();
  const std::vector<nn::Buffer*> buffers = from.buffers(), to_buffers = model.network().buffers();
  for (size_t i = 0; i < params.size(); ++i) to_params[i]->value = params[i]->value;
  for (size_t i = 0; i < buffers.size(); ++i) to_buffers[i]->value = buffers[i]->value;
  model.network().weights_changed();
  model.set_normalization(saved.normalization());
  model.set_training_summary(saved.training_summary());
}

[[noreturn]] void stop_cancelled(int epoch, size_t batch) {
  fail(Status::cancelled, "training cancelled by the progress callback at epoch " +
                              std::to_string(epoch + 1) + ", batch " + std::to_string(batch));
}

// Validation numbers of one epoch: loss and accuracy exactly as evaluate() gives them (so
// evaluating the kept model reproduces them), balanced accuracy and AUC from its
// probabilities.
void validate(model::Model& model, const data::Dataset& val, EpochStats& stats) {
  // Without test-time augmentation: model selection every epoch stays one view per image.
  const infer::Evaluation e = infer::evaluate(model, val, data::SplitId::val,
                                              infer::kEvaluationBatchSize, true, model::Tta::none);
  stats.val_loss = e.loss;
  stats.val_accuracy = e.accuracy;
  stats.train_val_gap = stats.train_accuracy - e.accuracy;
  const int k = model.num_classes();
  // Diverged weights can give NaN probabilities: the numbers then stay NaN rather than
  // stopping the run here (the training loss check reports divergence).
  const bool finite = std::all_of(e.probabilities.begin(), e.probabilities.end(),
                                  [](float p) { return std::isfinite(p); });
  if (k <= infer::kMaxMetricClasses && finite) {
    const infer::Metrics m =
        model.multi_label()
            ? infer::compute_multilabel_metrics(e.probabilities.data(), e.labels.data(), e.count, k)
            : infer::compute_metrics(e.probabilities.data(), e.labels.data(), e.count, k);
    stats.val_balanced_accuracy = m.balanced_accuracy;
    stats.val_auc = m.auc;
  }
}

void check_early_stopping(const EarlyStopping& e, bool has_val) {
  if (e.monitor == Monitor::none) return;
  if (!has_val)
    fail(Status::invalid_argument,
         "early stopping / model selection monitors validation numbers: pass a dataset "
         "with a validation split");
  if (e.patience < 0)
    fail(Status::invalid_argument,
         "patience must be 0 or more epochs, got " + std::to_string(e.patience));
  if (!(e.min_delta >= 0.0 && std::isfinite(e.min_delta)))
    fail(Status::invalid_argument,
         "min_delta must be finite and 0 or more, got " + std::to_string(e.min_delta));
}

// The decision rule `fit` asks for, from the class counts of the two splits.
model::DecisionRule chosen_rule(DecisionFit fit, const data::Split& train, const data::Split& val,
                                int k) {
  if (fit == DecisionFit::validation_priors) return model::DecisionRule::validation_priors;
  if (fit == DecisionFit::balanced) return model::DecisionRule::balanced;
  std::vector<size_t> train_counts(static_cast<size_t>(k)), val_counts(train_counts);
  const auto count = [k](const data::Split& split, std::vector<size_t>& counts) {
    for (size_t i = 0; i < split.count; ++i)
      if (split.labels[i] >= 0 && split.labels[i] < k)
        ++counts[static_cast<size_t>(split.labels[i])];
  };
  count(train, train_counts);
  count(val, val_counts);
  return class_priors_p_value(train_counts, val_counts) < kPriorShiftPValue
             ? model::DecisionRule::balanced
             : model::DecisionRule::validation_priors;
}

// Fits the model's decision bias on the validation split; diverged weights (NaN
// probabilities) keep plain argmax, and so does the automatic rule when it chose the
// validation priors and the bias decides the validation split less accurately than argmax:
// the bias maximises likelihood, which a poorly calibrated model (an early epoch) can trade
// for accuracy. A bias for equal priors is always kept: it is for priors other than
// validation's (PneumoniaMNIST's test split), which validation cannot judge. Returns whether
// a bias was kept.
bool fit_decision(model::Model& model, const data::Split& train, const data::Dataset& val,
                  DecisionFit fit) {
  const int k = model.num_classes();
  const model::DecisionRule rule = chosen_rule(fit, train, val.split(data::SplitId::val), k);
  const infer::Evaluation e =
      infer::evaluate(model, val, data::SplitId::val, infer::kEvaluationBatchSize, true);
  if (!std::all_of(e.probabilities.begin(), e.probabilities.end(),
                   [](float p) { return std::isfinite(p); }))
    return false;
  const bool balanced = rule == model::DecisionRule::balanced;
  std::vector<float> bias = infer::fit_decision_bias(
      e.probabilities.data(), e.labels.data(), e.count, k,
      balanced ? infer::BiasTarget::equal_priors : infer::BiasTarget::label_shares);
  if (fit == DecisionFit::automatic && !balanced &&
      infer::decision_score(e.probabilities.data(), e.labels.data(), e.count, k, bias, false) <
          infer::decision_score(e.probabilities.data(), e.labels.data(), e.count, k, {}, false))
    return false;
  model.set_decision_bias(std::move(bias), rule);
  return true;
}

// The run length resolved for the global batch (per-rank batch × ranks).
TrainConfig resolved_config(const TrainConfig& requested, const model::Model& model,
                            size_t train_count, int ranks) {
  TrainConfig global = requested;
  global.batch_size = requested.batch_size * ranks;
  TrainConfig config =
      resolve_length(global, train_count,
                     relative_cost(model.architecture(), model.channels(), model.height(),
                                   model.width(), model.num_classes()),
                     machine_training_rate());
  config.batch_size = requested.batch_size;
  return config;
}

// Synchronised batch norm on this thread for the duration of a data-parallel run.
class StatisticsSumScope {
 public:
  explicit StatisticsSumScope(Communicator* comm) : set_(comm != nullptr) {
    if (set_)
      nn::batch_statistics_sum() = [comm](float* data, size_t count) {
        comm->allreduce_sum(data, count);
      };
  }
  ~StatisticsSumScope() {
    if (set_) nn::batch_statistics_sum() = nullptr;
  }
  StatisticsSumScope(const StatisticsSumScope&) = delete;
  StatisticsSumScope& operator=(const StatisticsSumScope&) = delete;

 private:
  bool set_;
};

// Rank 0's validation numbers on every rank: model selection and early stopping then
// decide alike everywhere.
void share_validation(const DataParallel& dp, EpochStats& stats) {
  double v[5] = {stats.val_loss, stats.val_accuracy, stats.val_balanced_accuracy, stats.val_auc,
                 stats.train_val_gap};
  dp.share(v, 5);
  stats.val_loss = v[0];
  stats.val_accuracy = v[1];
  stats.val_balanced_accuracy = v[2];
  stats.val_auc = v[3];
  stats.train_val_gap = v[4];
}

}  // namespace

TrainResult train(model::Model& model, const data::Dataset& train, const data::Dataset* val,
                  const TrainConfig& requested, const RunRanks& ranks) {
  apply_threads(requested.num_threads);
  DataParallel dp(ranks.communicator);
  // Automatic lengths become numbers here, from the training split's size.
  const TrainConfig config =
      resolved_config(requested, model, train.split(data::SplitId::train).count, dp.size());
  if (config.epochs < 1)
    fail(Status::invalid_argument,
         "epochs must be 0 (automatic) or more, got " + std::to_string(config.epochs));
  if (config.batch_size < 1)
    fail(Status::invalid_argument,
         "batch size must be 1 or more, got " + std::to_string(config.batch_size));
  if (config.validate_every < 1)
    fail(Status::invalid_argument, "validate_every must be 0 (automatic) or more, got " +
                                       std::to_string(config.validate_every));
  model::check_split_fits(model, train, data::SplitId::train, "training split");
  if (val) model::check_split_fits(model, *val, data::SplitId::val, "validation split");
  check_early_stopping(config.early_stopping, val != nullptr);
  if (config.resume && config.checkpoint_path.empty())
    fail(Status::invalid_argument, "resume needs a checkpoint path");
  // Negative decays were made automatic (a number) by resolve_length.
  if (!(config.ema_decay >= 0.0 && config.ema_decay < 1.0))
    fail(Status::invalid_argument,
         "ema_decay must be 0 (off), negative (automatic) or in (0, 1), got " +
             std::to_string(config.ema_decay));
  const MixingOptions mixing{config.mixup_alpha, config.cutmix_alpha};
  check_mixing(mixing);
  nn::Network& net = model.network();
  net.set_training_precision(config.precision);  // throws before any change if unsupported
  // Training moves the weights an int8 calibration belongs to: back to fp32 inference.
  if (infer::inference_precision(model) == infer::Precision::int8)
    infer::set_inference_precision(model, infer::Precision::fp32);
  const std::vector<nn::Param*> params = net.params();
  const std::unique_ptr<Optimizer> optimizer = make_optimizer(config.optimizer, params);
  // A run that continues from its checkpoint: read and checked whole before anything
  // changes; its normalisation is the one the run began with.
  // Its batch size is the global batch (per-rank batch × ranks): a checkpoint resumes on
  // another rank count whose ranks split the same global batch (docs/scaling.md).
  TrainConfig global = config;
  global.batch_size = config.batch_size * dp.size();
  const Fingerprint fingerprint = config.checkpoint_path.empty() && !dp.active()
                                      ? Fingerprint{}
                                      : run_fingerprint(model, train, val, global);
  dp.check_same_run(fingerprint);
  std::optional<Checkpoint> resumed;
  {
    // Every rank reads the checkpoint; they go on only if all could.
    std::string error;
    Status status = Status::ok;
    try {
      if (config.resume && file_exists(config.checkpoint_path))
        resumed = read_checkpoint(config.checkpoint_path, model, optimizer->state(),
                                  config.ema_decay > 0.0, fingerprint, config.epochs);
    } catch (const Error& e) {
      if (!dp.active()) throw;
      error = e.what();
      status = e.status();
    }
    dp.agree(error, status);
  }

  const data::Split& split = train.split(data::SplitId::train);
  const bool first_run = model.normalization().empty();
  const model::Normalization normalization =
      resumed ? resumed->model->normalization()
      : first_run
          ? model::compute_normalization(split, model.channels(),
                                         static_cast<size_t>(model.height()) * model.width())
          : model.normalization();

  const int k = model.num_classes();
  const TaskLoss loss(model, split, config);
  infer::Batcher batcher(split, model.channels(), model.height(), model.width(), normalization,
                         config.batch_size);
  batcher.set_augmentation(config.augment);
  BatchMixer mixer(mixing, model.channels(), model.height(), model.width(), split.label_width);
  const size_t batches = dp.steps(split.count, static_cast<size_t>(config.batch_size));
  const LearningRateSchedule schedule(
      {config.schedule, config.learning_rate, config.epochs, batches, config.warmup_epochs});
  LastGoodState last_good(params, net.buffers());
  // Rows of the largest batch: the batch size, or the whole split when that is smaller.
  const size_t rows = std::min(split.count, static_cast<size_t>(config.batch_size));
  std::vector<float> dlogits(rows * static_cast<size_t>(k));
  net.set_dropout_seed(dp.rank_seed(derive_seed(config.seed, dropout_stream)));
  // Every setting has been checked: only now does the model change.
  if (resumed)
    adopt(*resumed->model, model);
  else if (first_run)
    model.set_normalization(normalization);
  // A decision bias, a temperature and conformal sets belong to the weights they were
  // fitted to: validation sees plain argmax of uncalibrated probabilities.
  model.set_decision_bias({});
  model.set_temperature(1.0);
  model.set_conformal(std::nullopt);
  model::TrainingSummary summary = model.training_summary();
  summary.parameters = settings_of(config);
  int epochs_before = summary.epochs_trained;
  summary.best_epoch = -1;  // this run's weights replace whatever was best before
  model.set_training_summary(summary);
  dp.share_state(net, false);  // every rank starts from rank 0's weights
  const StatisticsSumScope synchronised(dp.active() && ranks.sync_batch_norm ? ranks.communicator
                                                                             : nullptr);
  // The average starts from the weights training starts from (a resumed run's: its
  // checkpoint's average replaces it below).
  std::optional<WeightAverage> average;
  if (config.ema_decay > 0.0) average.emplace(net, config.ema_decay);
  BestEpochTracker tracker(config.early_stopping);
  WeightSnapshot best_weights;
  EpochStats best_stats;
  TrainResult result;
  RunState run;  // what a checkpoint records besides the model

  if (resumed) {  // continue after the checkpoint's last epoch, as if never interrupted
    run = std::move(resumed->state);
    epochs_before = run.epochs_before;
    optimizer->restore(run.optimizer);
    tracker.restore(run.tracker);
    best_weights = run.best_weights;
    if (average) average->restore(run.average, run.average_steps);
    if (tracker.best_epoch() >= 0) best_stats = run.history[tracker.best_epoch()];
    net.set_dropout_step(run.dropout_step);
    if (config.on_epoch)
      for (const EpochStats& stats : run.history) config.on_epoch(stats);
    result.epochs_run = static_cast<int>(run.history.size());
    result.stopped_early = tracker.should_stop();
  }
  run.epochs_before = epochs_before;

  for (int epoch = result.epochs_run; epoch < config.epochs && !result.stopped_early; ++epoch) {
    const Clock::time_point start = Clock::now();
    const uint64_t epoch_seed = derive_seed(config.seed, static_cast<uint64_t>(epoch));
    // Every rank draws the same global order and takes its share of each global batch.
    batcher.set_order(dp.shard(
        config.balanced_sampler
            ? balanced_indices(split.labels.data(), split.count, k, split.count, epoch_seed)
            : shuffled_indices(split.count, epoch_seed),
        static_cast<size_t>(config.batch_size)));
    batcher.set_augment_seed(dp.rank_seed(
        derive_seed(derive_seed(config.seed, augment_stream), static_cast<uint64_t>(epoch))));
    const uint64_t mixing_seed = dp.rank_seed(
        derive_seed(derive_seed(config.seed, mixing_stream), static_cast<uint64_t>(epoch)));
    double loss_sum = 0.0, weight_sum = 0.0;
    size_t correct = 0, seen = 0;  // decisions: images, or images × labels
    double lr = config.learning_rate;
    Progress progress;
    progress.epoch = epoch;
    progress.epochs = config.epochs;
    progress.batches = batches;

    for (size_t b = 0; b < batches; ++b) {
      const int n = batcher.load(b);
      if (dlogits.size() < static_cast<size_t>(n) * k)  // only if an order outgrows rows
        dlogits.resize(static_cast<size_t>(n) * k);
      last_good.save();
      // A batch mixes from (seed, epoch, batch) alone, as augmentation does.
      const float* images = mixing.enabled()
                                ? mixer.mix(batcher.images(), batcher.labels(), n,
                                            derive_seed(mixing_seed, static_cast<uint64_t>(b)))
                                : batcher.images();
      const float* logits = net.forward(images, n, true);
      const infer::BatchLoss l =
          mixing.enabled() ? loss.compute_mixed(logits, batcher.labels(), mixer.partner_labels(),
                                                mixer.lambda(), n, dlogits.data())
                           : loss.compute(logits, batcher.labels(), n, dlogits.data());
      BatchTotals totals{l.weight, l.sum, static_cast<double>(l.correct),
                         static_cast<double>(l.decisions)};
      if (dp.active()) {
        // The loss is the global batch's mean: this rank's part of its gradient is its own
        // mean's scaled by its share of the weight. Decided on the summed numbers, so
        // every rank stops alike.
        const auto share = static_cast<float>(dp.sum_batch(totals));
        if (!std::isfinite(totals.loss_sum))
          stop_not_finite(model, last_good, "the training loss became NaN or infinite", epoch, b);
        for (size_t i = 0; i < static_cast<size_t>(n) * k; ++i) dlogits[i] *= share;
      } else if (!std::isfinite(l.loss)) {
        stop_not_finite(model, last_good, "the training loss became NaN or infinite", epoch, b);
      }
      dp.backward(net, dlogits.data());  // with the gradients' sum over the ranks
      if (!gradients_finite(params))
        stop_not_finite(model, last_good, "a gradient became NaN or infinite", epoch, b);
      lr = schedule.at(epoch, b);
      optimizer->step(lr);
      // The step itself can overflow (or a resumed optimiser state hold NaN): the loss and
      // gradients of this batch were finite, the weights after the step may not be.
      if (!weights_finite(params, net.buffers()))
        stop_not_finite(model, last_good, "a weight became NaN or infinite in the step", epoch, b);
      net.weights_changed();
      if (average) average->update();

      loss_sum += totals.loss_sum;
      weight_sum += totals.weight;
      correct += static_cast<size_t>(totals.correct + 0.5);
      seen += static_cast<size_t>(totals.decisions + 0.5);
      if (config.progress) {
        progress.batch = b + 1;
        progress.loss = weight_sum > 0.0 ? loss_sum / weight_sum : 0.0;
        progress.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        progress.seconds = seconds_since(start);
        progress.phase = 0;
        progress.val_loss = progress.val_accuracy = std::numeric_limits<double>::quiet_NaN();
        if (!config.progress(progress)) stop_cancelled(epoch, b + 1);
      }
    }

    EpochStats stats;
    stats.epoch = epoch;
    stats.train_loss = weight_sum > 0.0 ? loss_sum / weight_sum : 0.0;
    stats.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    stats.val_loss = stats.val_accuracy = stats.val_balanced_accuracy = stats.val_auc =
        stats.train_val_gap = std::numeric_limits<double>::quiet_NaN();
    const bool validate_now =
        val && ((epoch + 1) % config.validate_every == 0 || epoch + 1 == config.epochs);
    stats.learning_rate = lr;
    // The ranks' weights are equal (summed gradients, same steps); sharing rank 0's makes
    // sure, and averages the running statistics of local batch norm.
    dp.share_state(net, !ranks.sync_batch_norm);
    {
      // Validation and model selection see the weight average; training goes on with the
      // training weights.
      const AverageInNetwork averaged(validate_now && average ? &*average : nullptr);
      if (validate_now) {
        validate(model, *val, stats);
        share_validation(dp, stats);
      }
      stats.seconds = seconds_since(start);
      record_epoch(summary, stats);
      if (config.early_stopping.monitor != Monitor::none && validate_now &&
          tracker.update(epoch, stats)) {
        best_weights.take(net);
        best_stats = stats;
      }
    }
    model.set_training_summary(summary);
    result.epochs_run = epoch + 1;
    if (config.on_epoch) config.on_epoch(stats);
    if (!config.checkpoint_path.empty()) {
      run.history.push_back(stats);
      run.dropout_step = net.dropout_step();
      run.tracker = tracker.state();
      run.optimizer = optimizer->state();
      run.best_weights = best_weights;
      if (average) {
        run.average = average->snapshot();
        run.average_steps = average->steps();
      }
      // Rank 0 writes; every rank learns whether it could.
      std::string error;
      try {
        if (dp.writes())
          write_checkpoint(config.checkpoint_path, model, run, fingerprint, config.kcell_version);
      } catch (const Error& e) {
        if (!dp.active()) throw;
        error = e.what();
      }
      dp.agree(error, Status::io);
    }
    if (config.progress) {
      progress.batch = batches;
      progress.loss = stats.train_loss;
      progress.accuracy = stats.train_accuracy;
      progress.seconds = stats.seconds;
      progress.phase = 1;
      progress.val_loss = stats.val_loss;
      progress.val_accuracy = stats.val_accuracy;
      if (!config.progress(progress)) stop_cancelled(epoch, batches);
    }
    if (tracker.should_stop()) {
      result.stopped_early = true;
      break;
    }
  }
  // Model selection: hand back the best epoch's weights and batch-norm statistics (its
  // weight average, with one), else the last epoch's average if there is one.
  // The summary names the best epoch only now, when the model really holds it (a cancelled
  // or diverged run keeps its last training weights).
  if (best_weights.empty() && average) average->swap();
  if (!best_weights.empty()) {
    best_weights.restore(net);
    result.best_epoch = tracker.best_epoch();
    summary.best_epoch = epochs_before + result.best_epoch;
    record_best(summary, best_stats);
  }
  if (config.early_stopping.monitor != Monitor::none)
    summary.parameters["stopped_early"] = result.stopped_early ? 1.0 : 0.0;
  // Before the decision bias, which is fitted on the probabilities prediction will give.
  // With an automatic length the recipe also bounds the evaluation's cost.
  if (!model.tta_given()) {
    const model::Tta implied =
        infer::tta_for_augmentation(config.augment, model.height(), model.width());
    const size_t evaluated =
        (val ? val->split(data::SplitId::val).count : 0) + train.split(data::SplitId::test).count;
    model.set_tta(requested.epochs == 0 ? affordable_tta(implied,
                                                         static_cast<double>(config.epochs) *
                                                             static_cast<double>(split.count),
                                                         evaluated)
                                        : implied);
  }
  // Multi-label models have no decision bias (TaskLoss refused an explicit fit).
  if (config.decision != DecisionFit::none && val && k <= infer::kMaxMetricClasses &&
      !model.multi_label() && !fit_decision(model, split, *val, config.decision))
    summary.parameters["decision_bias_declined"] = 1.0;
  model.set_training_summary(summary);
  return result;
}

}  // namespace kcell::train
