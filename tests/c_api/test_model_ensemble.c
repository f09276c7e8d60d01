/* Ensembles from C99: kcell_model_ensemble_create's predictions are the mean of its
 * members', its plain-argmax evaluation is that of the mean without the members' decision
 * biases, its file loads back as the same ensemble, and it refuses training. (The Python
 * tests in bindings/python/tests/test_ensembles.py cover the file format's errors.) */
#include <kcell/kcell.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 8
#define PIXELS (SIDE * SIDE)
#define N 30
#define CLASSES 3

/* Share of rows of `p` whose first largest value is the label. */
static double accuracy_of(const float* p, const int32_t* labels) {
  int i, c, hits = 0;
  for (i = 0; i < N; ++i) {
    int best = 0;
    for (c = 1; c < CLASSES; ++c)
      if (p[i * CLASSES + c] > p[i * CLASSES + best]) best = c;
    hits += best == labels[i];
  }
  return (double)hits / N;
}

static const char* SPEC = "conv(4,3) bn relu maxpool(2) flatten dense";
static const char* PATH = "c_api_test_model_ensemble.kcell";

int main(void) {
  static uint8_t images[N * PIXELS];
  static int32_t labels[N];
  static float p0[N * CLASSES], p1[N * CLASSES], mean[N * CLASSES], loaded_p[N * CLASSES],
      biased[N * CLASSES];
  static const float bias0[CLASSES] = {3.0f, -3.0f, 0.0f}, bias1[CLASSES] = {2.0f, 0.0f, -2.0f};
  kcell_metrics metrics;
  kcell_split_buffers train;
  kcell_dataset* data = NULL;
  kcell_model *members[2] = {NULL, NULL}, *ensemble = NULL, *loaded = NULL, *with_bias = NULL;
  kcell_train_params params;
  size_t count = 0, i;
  int m;

  train = synthetic_split(images, labels, N, PIXELS, CLASSES, 1u);
  CHECK(kcell_dataset_create(1, SIDE, SIDE, CLASSES, &train, NULL, NULL, &data) == KCELL_OK);
  CHECK(kcell_train_params_default(&params) == KCELL_OK);
  params.epochs = 1;
  params.batch_size = 10;
  params.num_threads = 1;
  for (m = 0; m < 2; ++m) {
    CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 3u + (unsigned)m, &members[m]) ==
          KCELL_OK);
    params.seed = 3u + (unsigned)m;
    CHECK(kcell_train(members[m], data, NULL, &params, NULL) == KCELL_OK);
  }
  CHECK(kcell_predict(members[0], images, N, KCELL_LAYOUT_NCHW, p0, N * CLASSES) == KCELL_OK);
  CHECK(kcell_predict(members[1], images, N, KCELL_LAYOUT_NCHW, p1, N * CLASSES) == KCELL_OK);

  CHECK(kcell_model_ensemble_create((const kcell_model* const*)members, 2, &ensemble) == KCELL_OK);
  CHECK(kcell_model_member_count(ensemble, &count) == KCELL_OK && count == 2);
  CHECK(kcell_model_member_count(members[0], &count) == KCELL_OK && count == 1);
  CHECK(kcell_predict(ensemble, images, N, KCELL_LAYOUT_NCHW, mean, N * CLASSES) == KCELL_OK);
  for (i = 0; i < N * CLASSES; ++i)
    CHECK(fabsf(mean[i] - (float)(((double)p0[i] + (double)p1[i]) / 2)) <= 1e-7f);

  /* With decision biases on the members, the ensemble's argmax numbers are those of the
   * mean of their unbiased probabilities; its accuracy is that of the biased mean. */
  CHECK(kcell_model_set_decision_bias(members[0], bias0, CLASSES) == KCELL_OK);
  CHECK(kcell_model_set_decision_bias(members[1], bias1, CLASSES) == KCELL_OK);
  CHECK(kcell_model_ensemble_create((const kcell_model* const*)members, 2, &with_bias) == KCELL_OK);
  CHECK(kcell_predict(with_bias, images, N, KCELL_LAYOUT_NCHW, biased, N * CLASSES) == KCELL_OK);
  memset(&metrics, 0, sizeof metrics);
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(with_bias, data, KCELL_SPLIT_TRAIN, &metrics) == KCELL_OK);
  CHECK(fabs(metrics.argmax_accuracy - accuracy_of(mean, labels)) < 1e-12);
  CHECK(fabs(metrics.accuracy - accuracy_of(biased, labels)) < 1e-12);
  CHECK(accuracy_of(biased, labels) != accuracy_of(mean, labels));
  kcell_model_free(with_bias);

  /* The file holds both members: predictions after loading are bit-identical. */
  CHECK(kcell_model_save(ensemble, PATH) == KCELL_OK);
  CHECK(kcell_model_load(PATH, &loaded) == KCELL_OK);
  CHECK(kcell_model_member_count(loaded, &count) == KCELL_OK && count == 2);
  CHECK(kcell_predict(loaded, images, N, KCELL_LAYOUT_NCHW, loaded_p, N * CLASSES) == KCELL_OK);
  CHECK(memcmp(loaded_p, mean, sizeof mean) == 0);

  CHECK(kcell_train(loaded, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "ensemble") != NULL);
  CHECK(kcell_model_ensemble_create((const kcell_model* const*)members, 0, &ensemble) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_member_count(NULL, &count) == KCELL_ERROR_INVALID_ARGUMENT);

  remove(PATH);
  kcell_model_free(loaded);
  kcell_model_free(ensemble);
  kcell_model_free(members[0]);
  kcell_model_free(members[1]);
  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
