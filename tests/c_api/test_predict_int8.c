/* int8 inference from C: it needs a calibration of the current weights, then predicts
 * close to fp32 (same class for nearly every image) and evaluates to nearly the same
 * accuracy, for a plain network and a residual one; training or loading drops it. */
#include <kcell/kcell.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 12
#define PIXELS (SIDE * SIDE)
#define CLASSES 3
#define N_TRAIN 96
#define N_VAL 48

static const char* PATH = "c_api_test_predict_int8.kcell";

static double val_accuracy(kcell_model* model, const kcell_dataset* data) {
  kcell_metrics m;
  memset(&m, 0, sizeof m);
  m.struct_size = sizeof m;
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &m) == KCELL_OK);
  return m.accuracy;
}

static int argmax(const float* p) {
  int c, best = 0;
  for (c = 1; c < CLASSES; ++c)
    if (p[c] > p[best]) best = c;
  return best;
}

static void int8_follows_fp32(const char* spec, const kcell_dataset* data, const uint8_t* images) {
  static float fp32[N_VAL * CLASSES], int8[N_VAL * CLASSES], again[N_VAL * CLASSES];
  kcell_model *model = NULL, *loaded = NULL;
  kcell_train_params params;
  double fp32_accuracy, worst = 0.0;
  int same_class = 0;
  size_t i;

  CHECK(kcell_model_create(spec, 1, SIDE, SIDE, CLASSES, 5, &model) == KCELL_OK);
  if (!model) return;
  CHECK(kcell_train_params_default(&params) == KCELL_OK);
  params.epochs = 2;
  params.batch_size = 16;
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
  fp32_accuracy = val_accuracy(model, data);
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, fp32, N_VAL * CLASSES) == KCELL_OK);

  /* Not before a calibration. */
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_INT8) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "kcell_model_calibrate_int8") != NULL);

  CHECK(kcell_model_calibrate_int8(model, data, KCELL_SPLIT_TRAIN, 64) == KCELL_OK);
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_INT8) == KCELL_OK);
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, int8, N_VAL * CLASSES) == KCELL_OK);
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, again, N_VAL * CLASSES) == KCELL_OK);
  CHECK(memcmp(int8, again, sizeof int8) == 0); /* deterministic */
  CHECK(memcmp(int8, fp32, sizeof int8) != 0);  /* and really another arithmetic */
  for (i = 0; i < N_VAL; ++i) {
    int c;
    same_class += argmax(&int8[i * CLASSES]) == argmax(&fp32[i * CLASSES]);
    for (c = 0; c < CLASSES; ++c) {
      const double d = fabs((double)int8[i * CLASSES + c] - (double)fp32[i * CLASSES + c]);
      if (d > worst) worst = d;
    }
  }
  printf(
      "%s: int8 agrees with fp32 on %d of %d images, largest probability difference "
      "%.4f; validation accuracy fp32 %.4f, int8 %.4f\n",
      spec, same_class, N_VAL, worst, fp32_accuracy, val_accuracy(model, data));
  CHECK(same_class >= N_VAL - 2);
  CHECK(worst < 0.1);
  CHECK(fabs(val_accuracy(model, data) - fp32_accuracy) <= 0.05);

  /* A loaded copy starts in fp32, uncalibrated. */
  CHECK(kcell_model_save(model, PATH) == KCELL_OK);
  CHECK(kcell_model_load(PATH, &loaded) == KCELL_OK);
  if (loaded) {
    CHECK(kcell_predict(loaded, images, N_VAL, KCELL_LAYOUT_NCHW, again, N_VAL * CLASSES) ==
          KCELL_OK);
    CHECK(memcmp(again, fp32, sizeof again) == 0);
    CHECK(kcell_model_set_inference_precision(loaded, KCELL_PRECISION_INT8) ==
          KCELL_ERROR_INVALID_ARGUMENT);
    kcell_model_free(loaded);
  }
  remove(PATH);

  /* Training moves the weights: the model goes back to fp32 and needs a new calibration. */
  params.epochs = 1;
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, again, N_VAL * CLASSES) == KCELL_OK);
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_INT8) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_calibrate_int8(model, data, KCELL_SPLIT_VAL, 0) == KCELL_OK);
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_INT8) == KCELL_OK);
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, int8, N_VAL * CLASSES) == KCELL_OK);
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_FP32) == KCELL_OK);
  kcell_model_free(model);
}

int main(void) {
  static uint8_t images[N_VAL * PIXELS];
  static uint8_t other_images[4 * 8 * 8];
  static int32_t other_labels[4];
  kcell_dataset* data = synthetic_dataset(SIDE, CLASSES, N_TRAIN, N_VAL);
  kcell_dataset* other = NULL;
  kcell_split_buffers split;
  kcell_model* model = NULL;

  CHECK(data != NULL);
  if (!data) return 1;
  fill_synthetic(images, NULL, N_VAL, PIXELS, CLASSES, 2u);
  int8_follows_fp32(
      "conv(8,3) bn relu maxpool(2) conv(16,3) bn relu maxpool(2) flatten "
      "dense(32) relu dropout(0.25) dense",
      data, images);
  int8_follows_fp32("conv(8,3) bn relu res(8) res(16,stride=2) gap dense", data, images);

  /* Calibration images must have the model's input shape, and the split must exist. */
  split = synthetic_split(other_images, other_labels, 4, 8 * 8, CLASSES, 3u);
  CHECK(kcell_dataset_create(1, 8, 8, CLASSES, &split, NULL, NULL, &other) == KCELL_OK);
  CHECK(kcell_model_create("conv(4,3) relu flatten dense", 1, SIDE, SIDE, CLASSES, 1, &model) ==
        KCELL_OK);
  CHECK(kcell_model_calibrate_int8(model, other, KCELL_SPLIT_TRAIN, 0) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_calibrate_int8(model, data, KCELL_SPLIT_TEST, 0) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  kcell_model_free(model);
  /* Labels are not read: images labelled beyond the model's classes calibrate it. */
  model = NULL;
  CHECK(kcell_model_create("conv(4,3) relu flatten dense", 1, SIDE, SIDE, 2, 1, &model) ==
        KCELL_OK);
  CHECK(CLASSES > 2 && kcell_model_calibrate_int8(model, data, KCELL_SPLIT_VAL, 0) == KCELL_OK);
  kcell_model_free(model);
  kcell_dataset_free(other);
  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
