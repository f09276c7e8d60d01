/* One model shared by threads from C99 with POSIX threads: 8 threads predicting at once (in
 * both pixel layouts and from normalised floats) each get the bits a single thread gets,
 * while other threads evaluate, save, calibrate (int8) and explain (saliency maps, on
 * copies of the network the model keeps and hands to whichever thread asks) the same model. Then:
 * predictions follow further training, and equal those of the model saved and loaded again, also
 * after fine-tuning a loaded model. */
#include <kcell/kcell.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 12
#define PIXELS (SIDE * SIDE)
#define CLASSES 3
#define N_TRAIN 64
#define N_VAL 24
#define THREADS 8
#define REPEATS 4
/* Thread t predicts 1 + 37 t images: 260 for the last, more than one batch of 256. */
#define MAX_IMAGES (1 + 37 * (THREADS - 1))
#define EXPLAINED 5 /* images a saliency job explains: its maps fit in job.got */

static const char* SPEC = "conv(8,3) bn relu res(8) res(16,stride=2) gap dense";

static float* predict_all(kcell_model* model, const uint8_t* images, size_t count) {
  float* p = (float*)malloc(count * CLASSES * sizeof(float));
  if (p && kcell_predict(model, images, count, KCELL_LAYOUT_NCHW, p, count * CLASSES) != KCELL_OK) {
    free(p);
    p = NULL;
  }
  return p;
}

static int same_floats(const float* a, const float* b, size_t n) {
  return a && b && memcmp(a, b, n * sizeof(float)) == 0;
}

typedef struct job {
  kcell_model* model;
  const kcell_dataset* data;
  int kind; /* 0 NCHW bytes, 1 NHWC bytes, 2 normalised floats, 3 evaluate, 4 save,
               5 and 6 calibrate int8, 7 Grad-CAM maps, 8 input-gradient maps */
  size_t count;
  uint8_t images[MAX_IMAGES * PIXELS];
  float normalized[MAX_IMAGES * PIXELS];
  float expected[MAX_IMAGES * CLASSES];
  float got[MAX_IMAGES * CLASSES];
  kcell_metrics expected_metrics;
  size_t expected_size;
  int mismatches; /* calls whose result differed from the single-threaded one */
  int errors;     /* calls that failed */
} job;

static kcell_status run_once(job* j) {
  kcell_status s = KCELL_OK;
  kcell_metrics m;
  kcell_explain_options options;
  void* bytes = NULL;
  size_t size = 0;
  switch (j->kind) {
    case 0:
      return kcell_predict(j->model, j->images, j->count, KCELL_LAYOUT_NCHW, j->got,
                           MAX_IMAGES * CLASSES);
    case 1:
      return kcell_predict(j->model, j->images, j->count, KCELL_LAYOUT_NHWC, j->got,
                           MAX_IMAGES * CLASSES);
    case 2:
      return kcell_predict_normalized(j->model, j->normalized, j->count, j->got,
                                      MAX_IMAGES * CLASSES);
    case 3:
      memset(&m, 0, sizeof m);
      m.struct_size = sizeof m;
      s = kcell_evaluate(j->model, j->data, KCELL_SPLIT_VAL, &m);
      if (s == KCELL_OK) {
        memcpy(j->got, &m.loss, sizeof(double));
        memcpy(j->got + 2, &m.accuracy, sizeof(double));
      }
      return s;
    case 4:
      s = kcell_model_save_to_memory(j->model, &bytes, &size);
      j->got[0] = (float)size;
      kcell_free(bytes);
      return s;
    case 7:
    case 8:
      kcell_explain_options_default(&options);
      options.method = j->kind == 7 ? KCELL_SALIENCY_GRADCAM : KCELL_SALIENCY_INPUT_GRADIENT;
      return kcell_explain(j->model, j->images, EXPLAINED, KCELL_LAYOUT_NCHW, -1, &options, j->got,
                           MAX_IMAGES * CLASSES, NULL);
    default:
      return kcell_model_calibrate_int8(j->model, j->data, KCELL_SPLIT_VAL, 0);
  }
}

static int result_matches(const job* j) {
  if (j->kind <= 2) return same_floats(j->got, j->expected, j->count * CLASSES);
  if (j->kind == 3)
    return memcmp(j->got, &j->expected_metrics.loss, sizeof(double)) == 0 &&
           memcmp(j->got + 2, &j->expected_metrics.accuracy, sizeof(double)) == 0;
  if (j->kind == 4) return (size_t)j->got[0] == j->expected_size;
  if (j->kind >= 7) return same_floats(j->got, j->expected, EXPLAINED * PIXELS);
  return 1; /* a calibration: its status is the result */
}

static void* worker(void* arg) {
  job* j = (job*)arg;
  int r;
  for (r = 0; r < REPEATS; ++r) {
    if (run_once(j) != KCELL_OK)
      ++j->errors;
    else if (!result_matches(j))
      ++j->mismatches;
  }
  return NULL;
}

/* The predicting threads, an evaluation, a save, 2 calibrations, 2 saliency jobs. */
#define JOBS (THREADS + 6)

static void test_threads(kcell_model* model, const kcell_dataset* data) {
  static job jobs[JOBS];
  pthread_t threads[JOBS];
  float mean = 0.f, std = 0.f;
  size_t i, t;
  void* bytes = NULL;

  CHECK(kcell_model_normalization(model, &mean, &std, 1) == KCELL_OK);
  for (t = 0; t < JOBS; ++t) {
    job* j = &jobs[t];
    j->model = model;
    j->data = data;
    j->kind = t < THREADS ? (int)(t % 3) : (int)(t - THREADS + 3);
    j->count = 1 + 37 * t;
    if (j->count > MAX_IMAGES) j->count = MAX_IMAGES;
    /* (One channel: NHWC images are the same bytes as NCHW ones, through another path.) */
    fill_synthetic(j->images, NULL, j->count, PIXELS, CLASSES, 100u + (unsigned)t);
    for (i = 0; i < j->count * PIXELS; ++i)
      j->normalized[i] = ((float)j->images[i] / 255.0f - mean) / std;
    /* What one thread alone gets. */
    CHECK(run_once(j) == KCELL_OK);
    memcpy(j->expected, j->got, sizeof j->got);
    if (j->kind == 3) {
      memset(&j->expected_metrics, 0, sizeof j->expected_metrics);
      j->expected_metrics.struct_size = sizeof j->expected_metrics;
      CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &j->expected_metrics) == KCELL_OK);
    }
    if (j->kind == 4) {
      CHECK(kcell_model_save_to_memory(model, &bytes, &j->expected_size) == KCELL_OK);
      kcell_free(bytes);
    }
  }
  for (t = 0; t < JOBS; ++t) CHECK(pthread_create(&threads[t], NULL, worker, &jobs[t]) == 0);
  for (t = 0; t < JOBS; ++t) CHECK(pthread_join(threads[t], NULL) == 0);
  for (t = 0; t < JOBS; ++t) {
    if (jobs[t].errors || jobs[t].mismatches)
      fprintf(stderr, "thread %u (kind %d): %d errors, %d mismatches; last error: %s\n",
              (unsigned)t, jobs[t].kind, jobs[t].errors, jobs[t].mismatches, kcell_last_error());
    CHECK(jobs[t].errors == 0);
    CHECK(jobs[t].mismatches == 0);
  }
}

static kcell_model* reloaded(const kcell_model* model) {
  void* bytes = NULL;
  size_t size = 0;
  kcell_model* out = NULL;
  CHECK(kcell_model_save_to_memory(model, &bytes, &size) == KCELL_OK);
  CHECK(kcell_model_load_from_memory(bytes, size, &out) == KCELL_OK);
  kcell_free(bytes);
  return out;
}

/* Trains one more epoch; the predictions must move and equal a fresh load's. */
static void check_follows_training(kcell_model* model, const kcell_dataset* data,
                                   const kcell_train_params* params, const uint8_t* images,
                                   size_t count) {
  float *before = predict_all(model, images, count), *after = NULL, *loaded_p = NULL;
  kcell_model* loaded = NULL;
  CHECK(kcell_train(model, data, NULL, params, NULL) == KCELL_OK);
  after = predict_all(model, images, count);
  CHECK(before && after && !same_floats(before, after, count * CLASSES));
  loaded = reloaded(model);
  loaded_p = predict_all(loaded, images, count);
  CHECK(same_floats(loaded_p, after, count * CLASSES));
  free(before);
  free(after);
  free(loaded_p);
  kcell_model_free(loaded);
}

typedef struct training_job {
  kcell_model* model;
  const kcell_dataset* data;
  const kcell_train_params* params;
  kcell_status status;
} training_job;

static void* train_on_thread(void* arg) {
  training_job* j = (training_job*)arg;
  j->status = kcell_train(j->model, j->data, j->data, j->params, NULL);
  return NULL;
}

/* A model trained on one thread trains on the next: its network's primitives were built on
 * a thread that has ended (they must not rely on that thread's oneDNN scratchpad). */
static void check_trains_on_successive_threads(kcell_model* model, const kcell_dataset* data,
                                               const kcell_train_params* params) {
  int round;
  for (round = 0; round < 3; ++round) {
    training_job j;
    pthread_t thread;
    j.model = model;
    j.data = data;
    j.params = params;
    j.status = KCELL_ERROR_INTERNAL;
    CHECK(pthread_create(&thread, NULL, train_on_thread, &j) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(j.status == KCELL_OK);
  }
  CHECK(kcell_train(model, data, data, params, NULL) == KCELL_OK); /* and back on this one */
}

int main(void) {
  static uint8_t images[40 * PIXELS];
  kcell_dataset* data = synthetic_dataset(SIDE, CLASSES, N_TRAIN, N_VAL);
  kcell_model *model = NULL, *loaded = NULL;
  kcell_train_params params;
  float *p_model = NULL, *p_loaded = NULL;

  fill_synthetic(images, NULL, 40, PIXELS, CLASSES, 3u);
  CHECK(data != NULL);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 7, &model) == KCELL_OK);
  CHECK(kcell_train_params_default(&params) == KCELL_OK);
  params.epochs = 1;
  params.batch_size = 16;
  /* Batch-norm statistics away from their initial values, so folding them matters. */
  CHECK(kcell_train(model, data, data, &params, NULL) == KCELL_OK);

  test_threads(model, data);
  check_trains_on_successive_threads(model, data, &params);

  /* Further training moves the predictions (the inference engine is rebuilt). */
  check_follows_training(model, data, &params, images, 40);

  /* A loaded model predicts what the saved one did, and fine-tuning it works the same. */
  loaded = reloaded(model);
  p_model = predict_all(model, images, 40);
  p_loaded = predict_all(loaded, images, 40);
  CHECK(same_floats(p_loaded, p_model, 40 * CLASSES));
  check_follows_training(loaded, data, &params, images, 40);

  /* Inference precision: unknown values and uncalibrated int8 are refused; fp32 is always
   * there. */
  CHECK(kcell_model_set_inference_precision(NULL, KCELL_PRECISION_FP32) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_INT8) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "int8") != NULL);
  CHECK(kcell_model_set_inference_precision(model, (kcell_precision)42) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_set_inference_precision(model, KCELL_PRECISION_FP32) == KCELL_OK);
  free(p_loaded);
  p_loaded = predict_all(model, images, 40);
  CHECK(same_floats(p_loaded, p_model, 40 * CLASSES));

  free(p_model);
  free(p_loaded);
  kcell_model_free(loaded);
  kcell_model_free(model);
  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
