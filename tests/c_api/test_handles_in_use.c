/* A model or dataset in use cannot be freed under the call using it, and the calls the
 * header forbids during training are refused: from the training's own progress callback
 * and from another thread, kcell_train(), kcell_predict(), kcell_explain(),
 * kcell_model_ensemble_create(),
 * kcell_model_member_count(), kcell_model_set_tta() and the decision-bias calls on the model being
 * trained return KCELL_ERROR_BUSY, and kcell_model_free() / kcell_dataset_free() are deferred until
 * kcell_train() returns (which then completes normally). The input models of
 * kcell_model_ensemble_create() are in use the same way: freed from another thread
 * meanwhile, the call still completes. Run under ThreadSanitizer in CI (label
 * "concurrency") and under AddressSanitizer, which would see a use after free. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <kcell/kcell.h>

#include <pthread.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 8
#define CLASSES 3
#define EPOCHS 2

static const char* SPEC = "conv(4,3) relu maxpool(2) flatten dense";

typedef struct probe {
  kcell_model* model;
  kcell_model* other; /* not trained: the second input of a nested ensemble */
  kcell_dataset* data;
  int calls;
  kcell_status nested_train, nested_predict, nested_ensemble, nested_member_count;
  kcell_status nested_set_bias, nested_bias, nested_set_tta, after_free;
  kcell_status nested_explain, explain_after_free;
  kcell_model* ensemble; /* stays NULL when the nested ensemble is refused */
  /* the other-thread case */
  int use_thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int started, finished;
} probe;

static kcell_status try_explain(kcell_model* model) {
  uint8_t image[SIDE * SIDE];
  float map[SIDE * SIDE];
  memset(image, 100, sizeof image);
  return kcell_explain(model, image, 1, KCELL_LAYOUT_NCHW, -1, NULL, map, SIDE * SIDE, NULL);
}

static kcell_status try_predict(kcell_model* model) {
  uint8_t image[SIDE * SIDE];
  float p[CLASSES];
  memset(image, 100, sizeof image);
  return kcell_predict(model, image, 1, KCELL_LAYOUT_NCHW, p, CLASSES);
}

/* What the misuse looks like from inside (callback) or outside (thread) the training. */
static void misuse(probe* p) {
  kcell_model_info info;
  const kcell_model* inputs[2];
  size_t members = 0;
  inputs[0] = p->other;
  inputs[1] = p->model;
  p->nested_train = kcell_train(p->model, p->data, NULL, NULL, NULL);
  p->nested_predict = try_predict(p->model);
  p->nested_explain = try_explain(p->model);
  p->nested_set_tta = kcell_model_set_tta(p->model, KCELL_TTA_FLIPS);
  p->nested_ensemble = kcell_model_ensemble_create(inputs, 2, &p->ensemble);
  p->nested_member_count = kcell_model_member_count(p->model, &members);
  p->nested_set_bias = kcell_model_set_decision_bias(p->model, NULL, 0);
  p->nested_bias = kcell_model_decision_bias(p->model, NULL, 0, &members);
  kcell_model_free(p->model);
  kcell_dataset_free(p->data);
  info.struct_size = sizeof info;
  p->after_free = kcell_model_get_info(p->model, &info); /* memory kept: a clear refusal */
  p->explain_after_free = try_explain(p->model);
}

static void* other_thread(void* arg) {
  probe* p = (probe*)arg;
  pthread_mutex_lock(&p->lock);
  while (!p->started) pthread_cond_wait(&p->changed, &p->lock);
  pthread_mutex_unlock(&p->lock);
  misuse(p);
  pthread_mutex_lock(&p->lock);
  p->finished = 1;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

static int on_progress(const kcell_progress* progress, void* user) {
  probe* p = (probe*)user;
  (void)progress;
  if (p->calls++ != 0) return 0;
  if (!p->use_thread) {
    misuse(p);
    return 0;
  }
  pthread_mutex_lock(&p->lock);
  p->started = 1;
  pthread_cond_broadcast(&p->changed);
  while (!p->finished) pthread_cond_wait(&p->changed, &p->lock);
  pthread_mutex_unlock(&p->lock);
  return 0;
}

static void run(int use_thread) {
  probe p;
  kcell_train_params params;
  kcell_history* history = NULL;
  pthread_t thread;
  size_t epochs = 0;
  kcell_status status;
  memset(&p, 0, sizeof p);
  p.use_thread = use_thread;
  pthread_mutex_init(&p.lock, NULL);
  pthread_cond_init(&p.changed, NULL);
  p.data = synthetic_dataset(SIDE, CLASSES, 64, 16);
  CHECK(p.data != NULL);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 7, &p.model) == KCELL_OK);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 8, &p.other) == KCELL_OK);
  CHECK(kcell_history_create(&history) == KCELL_OK);
  kcell_train_params_default(&params);
  params.epochs = EPOCHS;
  params.batch_size = 16;
  params.num_threads = 1;
  params.progress = on_progress;
  params.progress_user_data = &p;
  if (use_thread) CHECK(pthread_create(&thread, NULL, other_thread, &p) == 0);
  status = kcell_train(p.model, p.data, p.data, &params, history);
  if (use_thread) CHECK(pthread_join(thread, NULL) == 0);
  CHECK(status == KCELL_OK);
  CHECK(kcell_history_count(history, &epochs) == KCELL_OK && epochs == EPOCHS);
  CHECK(p.nested_train == KCELL_ERROR_BUSY);
  CHECK(p.nested_predict == KCELL_ERROR_BUSY);
  CHECK(p.nested_explain == KCELL_ERROR_BUSY);
  CHECK(p.explain_after_free == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(p.nested_set_tta == KCELL_ERROR_BUSY);
  CHECK(p.nested_ensemble == KCELL_ERROR_BUSY && p.ensemble == NULL);
  CHECK(p.nested_member_count == KCELL_ERROR_BUSY);
  CHECK(p.nested_set_bias == KCELL_ERROR_BUSY);
  CHECK(p.nested_bias == KCELL_ERROR_BUSY);
  CHECK(p.after_free == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "") != NULL);
  kcell_model_free(p.ensemble);
  kcell_model_free(p.other);
  kcell_history_free(history); /* model and dataset went with kcell_train's return */
  pthread_cond_destroy(&p.changed);
  pthread_mutex_destroy(&p.lock);
}

/* kcell_model_free() of an input of kcell_model_ensemble_create() on another thread while
 * the call runs. The other thread sees that the call holds the model through a probe that
 * changes nothing: kcell_train(model, NULL, ...) returns KCELL_ERROR_BUSY while another
 * call uses the model and KCELL_ERROR_INVALID_ARGUMENT otherwise. It probes and frees under
 * `lock`, so the creating thread, which reads `freed` under `lock` after each call, never
 * passes the model to a call after the free. Without the input's use, the probe never sees
 * it busy. */
typedef struct ensemble_probe {
  kcell_model* inputs[2];
  pthread_mutex_t lock;
  int done, freed;
} ensemble_probe;

static void* free_input_while_in_use(void* arg) {
  ensemble_probe* p = (ensemble_probe*)arg;
  const struct timespec pause = {0, 100000}; /* 0.1 ms between probes */
  for (;;) {
    int stop;
    pthread_mutex_lock(&p->lock);
    stop = p->done;
    if (!stop && kcell_train(p->inputs[0], NULL, NULL, NULL, NULL) == KCELL_ERROR_BUSY) {
      kcell_model_free(p->inputs[0]);
      p->freed = stop = 1;
    }
    pthread_mutex_unlock(&p->lock);
    if (stop) return NULL;
    nanosleep(&pause, NULL);
  }
}

static void free_during_ensemble_create(void) {
  ensemble_probe p;
  pthread_t thread;
  int calls, made = 0, freed = 0;
  kcell_status during_free = KCELL_ERROR_INTERNAL;
  memset(&p, 0, sizeof p);
  pthread_mutex_init(&p.lock, NULL);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 7, &p.inputs[0]) == KCELL_OK);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 8, &p.inputs[1]) == KCELL_OK);
  CHECK(pthread_create(&thread, NULL, free_input_while_in_use, &p) == 0);
  for (calls = 0; calls < 20000 && !freed; ++calls) {
    kcell_model* ensemble = NULL;
    size_t members = 0;
    /* BUSY only when the probe held the model as the call began */
    const kcell_status status =
        kcell_model_ensemble_create((const kcell_model* const*)p.inputs, 2, &ensemble);
    CHECK(status == KCELL_OK || status == KCELL_ERROR_BUSY);
    if (status == KCELL_OK) {
      CHECK(kcell_model_member_count(ensemble, &members) == KCELL_OK && members == 2);
      CHECK(try_predict(ensemble) == KCELL_OK);
      ++made;
    }
    kcell_model_free(ensemble);
    pthread_mutex_lock(&p.lock);
    freed = p.freed;
    if (freed) during_free = status;
    pthread_mutex_unlock(&p.lock);
  }
  pthread_mutex_lock(&p.lock);
  p.done = 1;
  pthread_mutex_unlock(&p.lock);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(freed);                   /* the probe saw the input in use */
  CHECK(during_free == KCELL_OK); /* and the call it freed the input under completed */
  CHECK(made > 0);
  if (!freed) kcell_model_free(p.inputs[0]);
  kcell_model_free(p.inputs[1]);
  pthread_mutex_destroy(&p.lock);
}

static void busy_message_names_the_rule(void) {
  kcell_model* model = NULL;
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 7, &model) == KCELL_OK);
  CHECK(strcmp(kcell_status_string(KCELL_ERROR_BUSY), "handle busy") == 0);
  CHECK(try_predict(model) == KCELL_OK); /* shared use leaves nothing behind */
  kcell_model_free(model);
}

int main(void) {
  run(0); /* from the progress callback */
  run(1); /* from another thread */
  free_during_ensemble_create();
  busy_message_names_the_rule();
  if (failures == 0) printf("ok\n");
  return failures == 0 ? 0 : 1;
}
