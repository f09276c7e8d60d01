/* Training that diverges: with a learning rate of 1e6 the loss becomes NaN or infinite.
 * kcell_train must stop at that batch with KCELL_ERROR_NOT_FINITE and leave the model with
 * its last good weights (all finite, predictions finite). */
#include <kcell/kcell.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 8
#define PIXELS (SIDE * SIDE)
#define N_TRAIN 64
#define N_VAL 16

static const char* SPEC = "conv(4,3) bn relu maxpool(2) flatten dense(16) relu dense";

/* The model's bytes after the latest two steps the progress callback saw (it runs after
 * every step, on the training thread, while the model is not being changed). */
typedef struct last_steps {
  kcell_model* model;
  void *latest, *previous;
  size_t latest_size, previous_size;
  int batches;
} last_steps;

static int keep_last_steps(const kcell_progress* progress, void* user) {
  last_steps* g = (last_steps*)user;
  if (progress->phase != 0) return 0;
  kcell_free(g->previous);
  g->previous = g->latest;
  g->previous_size = g->latest_size;
  g->latest = NULL;
  /* Training is exclusive: the model cannot be read from its own callback (BUSY). */
  if (kcell_model_save_to_memory(g->model, &g->latest, &g->latest_size) != KCELL_ERROR_BUSY)
    return 1;
  ++g->batches;
  return 0;
}

static int all_finite(const float* v, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i)
    if (!isfinite(v[i])) return 0;
  return 1;
}

/* The model after training with a learning rate of 1e6: finite weights and predictions. */
static void check_finite_model(kcell_model* model, const kcell_dataset* data,
                               const uint8_t* val_images) {
  static float probabilities[N_VAL * 2];
  kcell_metrics metrics;
  CHECK(kcell_predict(model, val_images, N_VAL, KCELL_LAYOUT_NCHW, probabilities, N_VAL * 2) ==
        KCELL_OK);
  CHECK(all_finite(probabilities, N_VAL * 2));
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &metrics) == KCELL_OK);
  CHECK(isfinite(metrics.loss));
}

/* SGD at 1e6 diverges: the loss of some step b is NaN or infinite. Training stops there with
 * KCELL_ERROR_NOT_FINITE, and the model goes back to where it was before step b - 1 (the
 * weights step b used came from step b - 1, so they are the bad ones): the state the
 * callback saw after step b - 2. */
static void divergence_stops_with_the_last_good_weights(const kcell_dataset* data, int nesterov,
                                                        const uint8_t* val_images) {
  kcell_model* model = NULL;
  kcell_train_params params;
  last_steps steps = {NULL, NULL, NULL, 0, 0, 0};
  kcell_status status;
  void* after = NULL;
  size_t after_size = 0;

  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 2, 3, &model) == KCELL_OK);
  steps.model = model;
  kcell_train_params_default(&params);
  params.epochs = 5;
  params.batch_size = 8;
  params.optimizer = KCELL_OPTIMIZER_SGD;
  params.weight_decay = 0.0;
  params.nesterov = nesterov;
  params.learning_rate = 1e6;
  params.num_threads = 1;
  params.progress = keep_last_steps;
  params.progress_user_data = &steps;
  status = kcell_train(model, data, data, &params, NULL);
  printf("SGD%s: stopped after %d steps: %s\n", nesterov ? " (Nesterov)" : "", steps.batches,
         kcell_last_error());
  CHECK(status == KCELL_ERROR_NOT_FINITE);
  CHECK(strstr(kcell_last_error(), "NaN or infinite") != NULL);
  CHECK(strstr(kcell_last_error(), "last weights whose loss and gradients were finite") != NULL);
  /* Caught at once: the first step (from the initial weights) and a second one are fine,
   * and the failing step comes within the first epoch. */
  CHECK(steps.batches >= 2 && steps.batches < 8);

  CHECK(kcell_model_save_to_memory(model, &after, &after_size) == KCELL_OK);
  check_finite_model(model, data, val_images);

  kcell_free(after);
  kcell_free(steps.latest);
  kcell_free(steps.previous);
  kcell_model_free(model);
}

/* Adam's steps are bounded by the learning rate, so at 1e6 its loss grows huge but may stay
 * finite. Whether it stops or not, the model it leaves has finite weights and predictions. */
static void adam_at_1e6_leaves_a_finite_model(const kcell_dataset* data, kcell_optimizer which,
                                              const uint8_t* val_images) {
  kcell_model* model = NULL;
  kcell_train_params params;
  kcell_status status;
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 2, 3, &model) == KCELL_OK);
  kcell_train_params_default(&params);
  params.epochs = 5;
  params.batch_size = 8;
  params.optimizer = which;
  params.weight_decay = 0.0; /* the bound on Adam's steps, not decay at lr * wd = 5e4 */
  params.learning_rate = 1e6;
  params.num_threads = 1;
  status = kcell_train(model, data, data, &params, NULL);
  printf("optimizer %d at 1e6: %s %s\n", (int)which, kcell_status_string(status),
         status == KCELL_OK ? "" : kcell_last_error());
  CHECK(status == KCELL_OK || status == KCELL_ERROR_NOT_FINITE);
  check_finite_model(model, data, val_images);
  kcell_model_free(model);
}

int main(void) {
  static uint8_t val_images[N_VAL * PIXELS];
  kcell_dataset* data = synthetic_dataset(SIDE, 2, N_TRAIN, N_VAL);

  CHECK(data != NULL);
  fill_synthetic(val_images, NULL, N_VAL, PIXELS, 2, 2u);

  divergence_stops_with_the_last_good_weights(data, 0, val_images);
  divergence_stops_with_the_last_good_weights(data, 1, val_images);
  adam_at_1e6_leaves_a_finite_model(data, KCELL_OPTIMIZER_ADAM, val_images);
  adam_at_1e6_leaves_a_finite_model(data, KCELL_OPTIMIZER_ADAMW, val_images);

  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
