/* Test-time augmentation from C99: a model's predictions under each set equal the mean of
 * its plain predictions on the flipped and turned images (made here by hand), the decision
 * bias applies to that mean, the set is saved in model files (an older file without it
 * loads as none), training chooses it from its augmentation unless one was set, and each
 * ensemble member keeps its own. */
#include <kcell/kcell.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define N 5
#define CLASSES 4
#define MAX_IMAGE (3 * 6 * 6)
#define MAX_VIEWS 8

static const char* SPEC = "conv(4,3) relu flatten dense";

/* One c×h×w uint8 image: left-right mirror, up-down mirror, and a quarter turn (square). */
static void mirror_lr(const uint8_t* in, uint8_t* out, int c, int h, int w) {
  int k, y, x;
  for (k = 0; k < c; ++k)
    for (y = 0; y < h; ++y)
      for (x = 0; x < w; ++x) out[(k * h + y) * w + x] = in[(k * h + y) * w + (w - 1 - x)];
}

static void mirror_ud(const uint8_t* in, uint8_t* out, int c, int h, int w) {
  int k, y, x;
  for (k = 0; k < c; ++k)
    for (y = 0; y < h; ++y)
      for (x = 0; x < w; ++x) out[(k * h + y) * w + x] = in[(k * h + (h - 1 - y)) * w + x];
}

static void quarter_turn(const uint8_t* in, uint8_t* out, int c, int s) {
  int k, y, x;
  for (k = 0; k < c; ++k)
    for (y = 0; y < s; ++y)
      for (x = 0; x < s; ++x) out[(k * s + y) * s + x] = in[(k * s + x) * s + (s - 1 - y)];
}

/* The views of every image under `tta`, each view as a batch of n images: views[v]. */
static int make_views(int tta, const uint8_t* images, int c, int h, int w,
                      uint8_t views[MAX_VIEWS][N * MAX_IMAGE]) {
  const int size = c * h * w;
  int i, v, count = 0;
  for (i = 0; i < N; ++i) {
    const uint8_t* x = images + i * size;
    count = 0;
    memcpy(views[count++] + i * size, x, (size_t)size);
    if (tta == KCELL_TTA_NONE) continue;
    mirror_lr(x, views[count++] + i * size, c, h, w);
    if (tta == KCELL_TTA_FLIPS4) {
      mirror_ud(views[0] + i * size, views[count++] + i * size, c, h, w);
      mirror_ud(views[1] + i * size, views[count++] + i * size, c, h, w);
    } else if (tta == KCELL_TTA_DIHEDRAL) {
      for (v = 0; v < 6; ++v, ++count) /* three more turns of the image and of its mirror */
        quarter_turn(views[count - 2] + i * size, views[count] + i * size, c, h);
    }
  }
  return count;
}

/* The mean of the model's plain (no TTA, no bias) probabilities over the views of `tta`. */
static void mean_by_hand(kcell_model* model, int tta, const uint8_t* images, int c, int h, int w,
                         double* mean) {
  static uint8_t views[MAX_VIEWS][N * MAX_IMAGE];
  float p[N * CLASSES];
  const int count = make_views(tta, images, c, h, w, views);
  int v, j;
  CHECK(kcell_model_set_tta(model, KCELL_TTA_NONE) == KCELL_OK);
  for (j = 0; j < N * CLASSES; ++j) mean[j] = 0.0;
  for (v = 0; v < count; ++v) {
    CHECK(kcell_predict(model, views[v], N, KCELL_LAYOUT_NCHW, p, N * CLASSES) == KCELL_OK);
    for (j = 0; j < N * CLASSES; ++j) mean[j] += p[j] / count;
  }
}

static int close_to(const float* got, const double* want, double tolerance) {
  int j;
  for (j = 0; j < N * CLASSES; ++j)
    if (fabs(got[j] - want[j]) > tolerance) {
      fprintf(stderr, "element %d: %.8f, expected %.8f\n", j, got[j], want[j]);
      return 0;
    }
  return 1;
}

static void each_set_is_the_mean_over_its_views(int c, int h, int w) {
  uint8_t images[N * MAX_IMAGE];
  float got[N * CLASSES];
  double mean[N * CLASSES];
  kcell_model* model = NULL;
  int tta;
  fill_synthetic(images, NULL, N, (size_t)(c * h * w), 1, 11u);
  CHECK(kcell_model_create(SPEC, c, h, w, CLASSES, 5u, &model) == KCELL_OK);
  for (tta = KCELL_TTA_FLIPS; tta <= KCELL_TTA_DIHEDRAL; ++tta) {
    int32_t stored = -1;
    if (tta == KCELL_TTA_DIHEDRAL && h != w) {
      CHECK(kcell_model_set_tta(model, tta) == KCELL_ERROR_INVALID_ARGUMENT);
      continue;
    }
    CHECK(kcell_model_set_tta(model, tta) == KCELL_OK);
    CHECK(kcell_model_tta(model, &stored) == KCELL_OK && stored == tta);
    CHECK(kcell_predict(model, images, N, KCELL_LAYOUT_NCHW, got, N * CLASSES) == KCELL_OK);
    mean_by_hand(model, tta, images, c, h, w, mean);
    CHECK(close_to(got, mean, 2e-6));
  }
  kcell_model_free(model);
}

/* softmax(log(mean) + bias): the bias acts on the averaged probabilities. */
static void bias_applies_to_the_mean(void) {
  const float bias[CLASSES] = {0.3f, -0.2f, 0.5f, -0.6f};
  uint8_t images[N * 36];
  float got[N * CLASSES], normalized[N * CLASSES], pixels[N * 36];
  double mean[N * CLASSES], want[N * CLASSES];
  kcell_model* model = NULL;
  int i, j;
  fill_synthetic(images, NULL, N, 36, 1, 12u);
  CHECK(kcell_model_create(SPEC, 1, 6, 6, CLASSES, 6u, &model) == KCELL_OK);
  mean_by_hand(model, KCELL_TTA_DIHEDRAL, images, 1, 6, 6, mean);
  CHECK(kcell_model_set_decision_bias(model, bias, CLASSES) == KCELL_OK);
  CHECK(kcell_model_set_tta(model, KCELL_TTA_DIHEDRAL) == KCELL_OK);
  CHECK(kcell_predict(model, images, N, KCELL_LAYOUT_NCHW, got, N * CLASSES) == KCELL_OK);
  for (i = 0; i < N; ++i) {
    double sum = 0.0;
    for (j = 0; j < CLASSES; ++j)
      sum += want[i * CLASSES + j] = mean[i * CLASSES + j] * exp(bias[j]);
    for (j = 0; j < CLASSES; ++j) want[i * CLASSES + j] /= sum;
  }
  CHECK(close_to(got, want, 2e-6));
  /* The same from normalised floats (a new model normalises as pixel / 255). */
  for (i = 0; i < N * 36; ++i) pixels[i] = images[i] / 255.0f;
  CHECK(kcell_predict_normalized(model, pixels, N, normalized, N * CLASSES) == KCELL_OK);
  CHECK(close_to(normalized, want, 2e-6));
  kcell_model_free(model);
}

static int32_t tta_of(const kcell_model* model) {
  int32_t tta = -1;
  CHECK(kcell_model_tta(model, &tta) == KCELL_OK);
  return tta;
}

/* Saved and loaded with the model; a file from before the key existed has none. */
static void files_keep_the_set(void) {
  kcell_model *model = NULL, *loaded = NULL, *old = NULL;
  void* bytes = NULL;
  size_t size = 0;
  CHECK(kcell_model_create(SPEC, 1, 6, 6, CLASSES, 5u, &model) == KCELL_OK);
  CHECK(kcell_model_set_tta(model, KCELL_TTA_DIHEDRAL) == KCELL_OK);
  CHECK(kcell_model_save_to_memory(model, &bytes, &size) == KCELL_OK);
  CHECK(kcell_model_load_from_memory(bytes, size, &loaded) == KCELL_OK);
  CHECK(tta_of(loaded) == KCELL_TTA_DIHEDRAL);
  CHECK(kcell_model_load(KCELL_FIXTURES_DIR "/model_files/single_format1.kcell", &old) == KCELL_OK);
  CHECK(tta_of(old) == KCELL_TTA_NONE);
  kcell_free(bytes);
  kcell_model_free(old);
  kcell_model_free(loaded);
  kcell_model_free(model);
}

/* Training picks the set from its augmentation, or keeps the one set on the handle. */
static void training_chooses_unless_set(void) {
  kcell_dataset* data = synthetic_dataset(6, CLASSES, 24, 8);
  kcell_train_params params;
  kcell_augmentation augmentation;
  kcell_model* model = NULL;
  CHECK(data != NULL);
  CHECK(kcell_train_params_default(&params) == KCELL_OK);
  params.epochs = 1;
  params.batch_size = 8;
  params.num_threads = 1;
  CHECK(kcell_model_create(SPEC, 1, 6, 6, CLASSES, 5u, &model) == KCELL_OK);
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK); /* the recipe: all three */
  CHECK(tta_of(model) == KCELL_TTA_DIHEDRAL);
  CHECK(kcell_augmentation_default(&augmentation) == KCELL_OK);
  augmentation.hflip = 0.5;
  params.augmentation = &augmentation;
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
  CHECK(tta_of(model) == KCELL_TTA_FLIPS);
  CHECK(kcell_model_set_tta(model, KCELL_TTA_FLIPS4) == KCELL_OK);
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
  CHECK(tta_of(model) == KCELL_TTA_FLIPS4);
  kcell_model_free(model);
  kcell_dataset_free(data);
}

/* Each member predicts with its own set; setting it on the ensemble sets every member's. */
static void ensemble_members_keep_their_own(void) {
  uint8_t images[N * 36];
  float p0[N * CLASSES], p1[N * CLASSES], got[N * CLASSES];
  double want[N * CLASSES];
  kcell_model *members[2] = {NULL, NULL}, *ensemble = NULL, *loaded = NULL;
  void* bytes = NULL;
  size_t size = 0;
  int j;
  fill_synthetic(images, NULL, N, 36, 1, 13u);
  CHECK(kcell_model_create(SPEC, 1, 6, 6, CLASSES, 5u, &members[0]) == KCELL_OK);
  CHECK(kcell_model_create(SPEC, 1, 6, 6, CLASSES, 6u, &members[1]) == KCELL_OK);
  CHECK(kcell_model_set_tta(members[1], KCELL_TTA_DIHEDRAL) == KCELL_OK);
  CHECK(kcell_predict(members[0], images, N, KCELL_LAYOUT_NCHW, p0, N * CLASSES) == KCELL_OK);
  CHECK(kcell_predict(members[1], images, N, KCELL_LAYOUT_NCHW, p1, N * CLASSES) == KCELL_OK);
  for (j = 0; j < N * CLASSES; ++j) want[j] = ((double)p0[j] + (double)p1[j]) / 2;
  CHECK(kcell_model_ensemble_create((const kcell_model* const*)members, 2, &ensemble) == KCELL_OK);
  CHECK(kcell_model_save_to_memory(ensemble, &bytes, &size) == KCELL_OK);
  CHECK(kcell_model_load_from_memory(bytes, size, &loaded) == KCELL_OK);
  CHECK(kcell_predict(loaded, images, N, KCELL_LAYOUT_NCHW, got, N * CLASSES) == KCELL_OK);
  CHECK(close_to(got, want, 1e-7));
  CHECK(kcell_model_set_tta(loaded, KCELL_TTA_DIHEDRAL) == KCELL_OK);
  CHECK(kcell_predict(loaded, images, N, KCELL_LAYOUT_NCHW, got, N * CLASSES) == KCELL_OK);
  CHECK(kcell_model_set_tta(members[0], KCELL_TTA_DIHEDRAL) == KCELL_OK);
  CHECK(kcell_predict(members[0], images, N, KCELL_LAYOUT_NCHW, p0, N * CLASSES) == KCELL_OK);
  for (j = 0; j < N * CLASSES; ++j) want[j] = ((double)p0[j] + (double)p1[j]) / 2;
  CHECK(close_to(got, want, 1e-7));
  kcell_free(bytes);
  kcell_model_free(loaded);
  kcell_model_free(ensemble);
  kcell_model_free(members[0]);
  kcell_model_free(members[1]);
}

int main(void) {
  each_set_is_the_mean_over_its_views(1, 6, 6);
  each_set_is_the_mean_over_its_views(3, 6, 6);
  each_set_is_the_mean_over_its_views(3, 4, 6);
  bias_applies_to_the_mean();
  files_keep_the_set();
  training_chooses_unless_set();
  ensemble_members_keep_their_own();
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
