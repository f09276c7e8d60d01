/* Models, training, history and evaluation from C99: the normal path, cancellation, NULL
 * arguments, a bad spec and an older (smaller) parameter struct; model selection, detailed
 * metrics, class imbalance options and augmentation. */
#include <kcell/kcell.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 8
#define PIXELS (SIDE * SIDE)
#define N_TRAIN 48
#define N_VAL 16
#define N_TEST 16

static const char* SPEC = "conv(4,3) bn relu maxpool(2) flatten dense";

typedef struct counter {
  int batches;   /* phase-0 calls */
  int epochs;    /* phase-1 calls */
  int cancel_at; /* cancel on this phase-0 call (1-based); 0 never */
  int ok;        /* stays 1 while every report is consistent */
  int val_seen;  /* phase-1 calls with finite validation numbers */
} counter;

static int on_progress(const kcell_progress* p, void* user) {
  counter* c = (counter*)user;
  if (p->phase == 0) {
    ++c->batches;
    if (p->batch < 1 || p->batch > p->batches || !(p->loss >= 0.0)) c->ok = 0;
    if (c->cancel_at && c->batches == c->cancel_at) return 1;
  } else {
    ++c->epochs;
    if (p->phase != 1 || p->batch != p->batches) c->ok = 0;
    if (isfinite(p->val_loss) && p->val_accuracy >= 0.0 && p->val_accuracy <= 1.0)
      ++c->val_seen;
    else if (!isnan(p->val_loss) || !isnan(p->val_accuracy))
      c->ok = 0;
  }
  if (p->phase == 0 && (!isnan(p->val_loss) || !isnan(p->val_accuracy))) c->ok = 0;
  if (p->accuracy < 0.0 || p->accuracy > 1.0 || p->epochs != 1) c->ok = 0;
  return 0;
}

int main(void) {
  static uint8_t train_images[N_TRAIN * PIXELS], val_images[N_VAL * PIXELS],
      test_images[N_TEST * PIXELS];
  static int32_t train_labels[N_TRAIN], val_labels[N_VAL], test_labels[N_TEST];
  kcell_split_buffers train, val, test;
  kcell_dataset *data = NULL, *no_val = NULL;
  kcell_model *model = NULL, *bad = NULL;
  kcell_history* history = NULL;
  kcell_train_params params;
  kcell_epoch_stats stats;
  kcell_augmentation augmentation;
  kcell_metrics metrics;
  counter progress = {0, 0, 0, 1, 0};
  kcell_class_metrics per_class[2];
  uint64_t confusion[4];
  int best = 0;
  size_t first_record = 0;
  size_t count = 0;

  train = synthetic_split(train_images, train_labels, N_TRAIN, PIXELS, 2, 1u);
  val = synthetic_split(val_images, val_labels, N_VAL, PIXELS, 2, 2u);
  test = synthetic_split(test_images, test_labels, N_TEST, PIXELS, 2, 3u);
  CHECK(kcell_dataset_create(1, SIDE, SIDE, 2, &train, &val, &test, &data) == KCELL_OK);
  CHECK(kcell_dataset_create(1, SIDE, SIDE, 2, &train, NULL, NULL, &no_val) == KCELL_OK);
  if (!data || !no_val) return 1;

  /* A model from a spec; conv 4*9+4, bn 4+4, dense 64*2+2 parameters. */
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 2, 7u, &model) == KCELL_OK);
  if (!model) return 1;
  CHECK(kcell_model_num_params(model, &count) == KCELL_OK);
  CHECK(count == 40 + 8 + 130);

  /* One epoch with validation, a history and a progress callback. */
  CHECK(kcell_train_params_default(&params) == KCELL_OK);
  CHECK(params.struct_size == sizeof params);
  /* The recommended recipe (docs/accuracy.md). */
  CHECK(params.epochs == 0 && params.batch_size == 128 && params.seed == 42);
  CHECK(params.optimizer == KCELL_OPTIMIZER_ADAMW && params.weight_decay == 0.05);
  CHECK(params.schedule == KCELL_SCHEDULE_COSINE && params.warmup_epochs < 0);
  CHECK(params.monitor == KCELL_MONITOR_AUTO && params.patience == -1 && params.min_delta == 0.0);
  CHECK(params.auto_class_weights == KCELL_CLASS_WEIGHTS_SQRT && params.balanced_sampler == 0);
  CHECK(params.augmentation != NULL && params.augmentation->hflip == 0.5 &&
        params.augmentation->vflip == 0.5 && params.augmentation->rot90 == 0.75 &&
        params.augmentation->shift == 0 && params.augmentation->brightness == 0.1 &&
        params.augmentation->contrast == 0.1 && params.augmentation->erase == 0.0 &&
        params.augmentation->erase_max_area == 0.25);
  CHECK(params.validate_every == 0 && params.fit_decision_bias == 1);
  CHECK(params.ema_decay < 0 && params.mixup_alpha == 0.0 && params.cutmix_alpha == 0.0);
  CHECK(params.precision == KCELL_PRECISION_AUTO);
  /* Plain settings for the checks below. */
  params.schedule = KCELL_SCHEDULE_CONSTANT;
  params.monitor = KCELL_MONITOR_NONE;
  params.fit_decision_bias = 0;
  params.augmentation = NULL;
  params.epochs = 1;
  params.batch_size = 10;
  params.learning_rate = 0.01;
  params.num_threads = 1;
  params.progress = on_progress;
  params.progress_user_data = &progress;
  CHECK(kcell_history_create(&history) == KCELL_OK);
  CHECK(kcell_train(model, data, data, &params, history) == KCELL_OK);
  CHECK(progress.batches == 5); /* 48 images in batches of 10: the partial one is kept */
  CHECK(progress.epochs == 1);
  CHECK(progress.val_seen == 1);
  CHECK(progress.ok);
  CHECK(kcell_history_count(history, &count) == KCELL_OK);
  CHECK(count == 1);
  stats.struct_size = sizeof stats;
  CHECK(kcell_history_epoch(history, 0, &stats) == KCELL_OK);
  CHECK(stats.struct_size == sizeof stats);
  CHECK(stats.epoch == 0);
  CHECK(isfinite(stats.train_loss) && isfinite(stats.val_loss));
  CHECK(stats.val_accuracy >= 0.0 && stats.val_accuracy <= 1.0);
  CHECK(stats.learning_rate == 0.01);
  CHECK(stats.seconds > 0.0);
  CHECK(stats.val_auc >= 0.0 && stats.val_auc <= 1.0);
  CHECK(stats.val_balanced_accuracy >= 0.0 && stats.val_balanced_accuracy <= 1.0);
  CHECK(stats.train_val_gap == stats.train_accuracy - stats.val_accuracy);
  CHECK(kcell_history_epoch(history, 1, &stats) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_best_epoch(history, &best) == KCELL_OK && best == -1); /* no monitor */
  {
    /* A program built against an older header (a struct that ends after train_loss)
     * gets the fields that fit and no byte past them; one built against a newer header
     * (a larger struct) gets this library's fields and learns their size. */
    unsigned char buffer[sizeof(kcell_epoch_stats) + 16];
    kcell_epoch_stats* older = (kcell_epoch_stats*)(void*)buffer;
    const size_t size = offsetof(kcell_epoch_stats, train_accuracy);
    memset(buffer, 0xAB, sizeof buffer);
    older->struct_size = size;
    CHECK(kcell_history_epoch(history, 0, older) == KCELL_OK);
    CHECK(older->struct_size == size);
    CHECK(older->epoch == 0 && older->train_loss == stats.train_loss);
    CHECK(buffer[size] == 0xAB);
    CHECK(buffer[sizeof buffer - 1] == 0xAB);
    memset(buffer, 0xAB, sizeof buffer);
    older->struct_size = sizeof buffer;
    CHECK(kcell_history_epoch(history, 0, older) == KCELL_OK);
    CHECK(older->struct_size == sizeof(kcell_epoch_stats));
    CHECK(older->train_val_gap == stats.train_val_gap);
    CHECK(buffer[sizeof(kcell_epoch_stats)] == 0xAB);
    older->struct_size = sizeof(size_t) - 1;
    CHECK(kcell_history_epoch(history, 0, older) == KCELL_ERROR_INVALID_ARGUMENT);
  }

  /* Evaluation of the test split. */
  memset(&metrics, 0, sizeof metrics);
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_TEST, &metrics) == KCELL_OK);
  CHECK(metrics.count == N_TEST);
  CHECK(isfinite(metrics.loss) && metrics.loss >= 0.0);
  CHECK(metrics.accuracy >= 0.0 && metrics.accuracy <= 1.0);

  /* Without validation data the epoch's validation numbers are NaN, in the history and
   * in the progress reports. */
  progress.val_seen = 0;
  CHECK(kcell_train(model, no_val, NULL, &params, history) == KCELL_OK);
  CHECK(progress.val_seen == 0 && progress.ok);
  params.progress = NULL;
  CHECK(kcell_history_count(history, &count) == KCELL_OK && count == 2);
  stats.struct_size = sizeof stats;
  CHECK(kcell_history_epoch(history, 1, &stats) == KCELL_OK);
  CHECK(isnan(stats.val_loss) && isnan(stats.val_accuracy));
  CHECK(isnan(stats.val_auc) && isnan(stats.val_balanced_accuracy) && isnan(stats.train_val_gap));

  /* Detailed metrics: summary, per class and the confusion matrix agree. */
  memset(&metrics, 0, sizeof metrics);
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate_details(model, data, KCELL_SPLIT_TEST, &metrics, per_class, 2, confusion,
                               4) == KCELL_OK);
  CHECK(metrics.count == N_TEST);
  CHECK(metrics.auc >= 0.0 && metrics.auc <= 1.0);
  CHECK(per_class[0].support + per_class[1].support == N_TEST);
  CHECK(confusion[0] + confusion[1] == (uint64_t)per_class[0].support);
  CHECK(confusion[0] + confusion[2] == (uint64_t)per_class[0].predicted);
  CHECK(fabs(metrics.accuracy - (double)(confusion[0] + confusion[3]) / N_TEST) < 1e-12);
  CHECK(fabs(metrics.balanced_accuracy - (per_class[0].recall + per_class[1].recall) / 2) < 1e-12);
  {
    kcell_metrics plain;
    memset(&plain, 0, sizeof plain);
    plain.struct_size = sizeof plain;
    CHECK(kcell_evaluate(model, data, KCELL_SPLIT_TEST, &plain) == KCELL_OK);
    CHECK(plain.loss == metrics.loss && plain.auc == metrics.auc &&
          plain.balanced_accuracy == metrics.balanced_accuracy);
    /* An older, smaller struct gets only its fields; NULL buffers are allowed. */
    plain.struct_size = offsetof(kcell_metrics, accuracy) + sizeof(double);
    plain.auc = -1.0;
    CHECK(kcell_evaluate_details(model, data, KCELL_SPLIT_TEST, &plain, NULL, 0, NULL, 0) ==
          KCELL_OK);
    CHECK(plain.auc == -1.0 && plain.accuracy == metrics.accuracy);
  }
  confusion[0] = 12345u;
  CHECK(kcell_evaluate_details(model, data, KCELL_SPLIT_TEST, &metrics, per_class, 1, confusion,
                               4) == KCELL_ERROR_BUFFER_TOO_SMALL);
  CHECK(kcell_evaluate_details(model, data, KCELL_SPLIT_TEST, &metrics, NULL, 0, confusion, 3) ==
        KCELL_ERROR_BUFFER_TOO_SMALL);
  CHECK(confusion[0] == 12345u);
  CHECK(kcell_evaluate_details(model, data, (kcell_split)5, &metrics, NULL, 0, NULL, 0) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_evaluate_details(NULL, data, KCELL_SPLIT_TEST, &metrics, NULL, 0, NULL, 0) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_evaluate_details(model, data, KCELL_SPLIT_TEST, NULL, NULL, 0, NULL, 0) ==
        KCELL_ERROR_INVALID_ARGUMENT);

  /* Model selection: the model keeps the best epoch, and evaluating it reproduces that
   * epoch's validation numbers exactly (same threads as kcell_evaluate: the default). */
  params.epochs = 4;
  params.num_threads = 0;
  params.monitor = KCELL_MONITOR_VAL_LOSS;
  CHECK(kcell_history_count(history, &first_record) == KCELL_OK);
  CHECK(kcell_train(model, data, data, &params, history) == KCELL_OK);
  CHECK(kcell_history_best_epoch(history, &best) == KCELL_OK);
  CHECK(best >= (int)first_record && best < (int)first_record + 4);
  CHECK(kcell_history_epoch(history, (size_t)(best >= 0 ? best : 0), &stats) == KCELL_OK);
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &metrics) == KCELL_OK);
  CHECK(metrics.loss == stats.val_loss);
  CHECK(metrics.accuracy == stats.val_accuracy);
  CHECK(metrics.auc == stats.val_auc);
  {
    kcell_model_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK(kcell_model_get_info(model, &info) == KCELL_OK);
    CHECK(info.best_epoch >= 0 && info.best_epoch < info.epochs_trained);
  }
  params.monitor = (kcell_monitor)9;
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  params.monitor = KCELL_MONITOR_VAL_AUC;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "validation") != NULL);
  params.monitor = KCELL_MONITOR_NONE;

  /* Class imbalance options and augmentation run; settings out of range are refused. */
  params.epochs = 1;
  params.num_threads = 1;
  params.auto_class_weights = 1;
  params.balanced_sampler = 1;
  CHECK(kcell_augmentation_default(&augmentation) == KCELL_OK);
  augmentation.hflip = 0.5;
  augmentation.rot90 = 0.5;
  augmentation.shift = 1;
  augmentation.brightness = 0.1;
  params.augmentation = &augmentation;
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
  augmentation.hflip = 2.0;
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  /* An augmentation struct of an older header: the fields past its size are not read. */
  augmentation.struct_size = offsetof(kcell_augmentation, hflip);
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
  params.augmentation = NULL;
  {
    const float weights[2] = {1.0f, 2.0f};
    params.class_weights = weights; /* explicit weights win over automatic ones */
    CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
    params.auto_class_weights = 3; /* no such weighting */
    CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
    params.auto_class_weights = KCELL_CLASS_WEIGHTS_INVERSE;
    params.class_weights = NULL;
  }
  CHECK(kcell_train_params_default(&params) == KCELL_OK);
  params.epochs = 1;
  params.batch_size = 10;
  params.learning_rate = 0.01;
  params.num_threads = 1;
  params.progress_user_data = &progress;

  /* Cancelling from the callback: a cancelled status, and the model still works. */
  progress.batches = 0;
  progress.cancel_at = 2;
  params.progress = on_progress;
  CHECK(kcell_train(model, data, data, &params, history) == KCELL_ERROR_CANCELLED);
  CHECK(strstr(kcell_last_error(), "cancel") != NULL);
  CHECK(progress.batches == 2);
  CHECK(kcell_history_count(history, &count) == KCELL_OK && count == 6);
  CHECK(kcell_history_best_epoch(history, &best) == KCELL_OK && best == -1); /* failed call */
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &metrics) == KCELL_OK);
  CHECK(metrics.count == N_VAL && isfinite(metrics.loss));

  /* A caller built against an older header: a struct that ends after batch_size gets the
   * defaults for everything else (and no progress callback). */
  progress.batches = 0;
  params.struct_size = offsetof(kcell_train_params, batch_size) + sizeof(int);
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_OK);
  CHECK(progress.batches == 0);
  /* One that ends before the monitor: a monitor left in memory past it is not read (it
   * would need validation data here). */
  params.struct_size = offsetof(kcell_train_params, monitor);
  params.progress = NULL;
  params.monitor = KCELL_MONITOR_VAL_LOSS;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_OK);
  params.monitor = KCELL_MONITOR_NONE;
  params.struct_size = 0;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  params.struct_size = sizeof params;
  params.progress = NULL;

  /* Settings out of range and data that does not fit. */
  params.epochs = -1; /* 0 is automatic */
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  params.epochs = 1;
  params.optimizer = (kcell_optimizer)42;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  params.optimizer = KCELL_OPTIMIZER_SGD;
  params.label_smoothing = 1.0;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  params.label_smoothing = 0.0;
  CHECK(kcell_train(model, data, no_val, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "validation") != NULL);
  CHECK(kcell_evaluate(model, no_val, KCELL_SPLIT_TEST, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_evaluate(model, data, (kcell_split)5, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);
  metrics.struct_size = 0;
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_TEST, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);

  /* NULL arguments. */
  CHECK(kcell_model_create(NULL, 1, SIDE, SIDE, 2, 1u, &bad) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 2, 1u, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_num_params(NULL, &count) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_num_params(model, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_train_params_default(NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_train(NULL, data, NULL, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_train(model, NULL, NULL, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_create(NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_count(NULL, &count) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_count(history, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_epoch(NULL, 0, &stats) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_epoch(history, 0, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_best_epoch(NULL, &best) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_history_best_epoch(history, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_evaluate(NULL, data, KCELL_SPLIT_TEST, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_evaluate(model, NULL, KCELL_SPLIT_TEST, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_TEST, NULL) == KCELL_ERROR_INVALID_ARGUMENT);

  /* A spec that does not parse, and shapes the model cannot take. */
  CHECK(kcell_model_create("conv(4,3) wobble dense", 1, SIDE, SIDE, 2, 1u, &bad) ==
        KCELL_ERROR_SPEC);
  CHECK(strstr(kcell_last_error(), "wobble") != NULL);
  CHECK(bad == NULL);
  CHECK(kcell_model_create(SPEC, 2, SIDE, SIDE, 2, 1u, &bad) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 1, 1u, &bad) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(bad == NULL);

  kcell_history_free(history);
  kcell_model_free(model);
  kcell_dataset_free(no_val);
  kcell_dataset_free(data);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  return 0;
}
