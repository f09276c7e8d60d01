/* kcell_train_params.communicator from C: a struct that is too small, lacks a function or
 * reports an impossible rank is refused (KCELL_ERROR_INVALID_ARGUMENT) before training; a
 * one-rank communicator is never called and trains exactly as none; a transport that
 * fails mid-run ends kcell_train with KCELL_ERROR_COMMUNICATION and a message naming the
 * call; and a "twin" of two ranks (the other rank's numbers equal to this one's) trains,
 * with the non-blocking sums (overlapped with the backward pass) to the same model as with
 * the blocking ones; their failures are communication errors too, and a struct from the
 * header before them (smaller struct_size) trains with the blocking sums. */
#include <kcell/kcell.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 8

static const char* SPEC = "conv(4,3) bn relu maxpool(2) flatten dense";

typedef struct fake_ranks {
  int rank, size;
  int calls;     /* allreduce_sum and broadcast calls so far */
  int fail_from; /* from this call on, return an error; < 0: never */
  /* The non-blocking sums: started requests in a queue (waits must come in order). */
  int starts, waits, progresses;
  int fail_start, fail_wait, fail_progress; /* fail that call (1-based); 0: never */
  int out_of_order;                         /* waits not for the oldest started request */
  float* queue[64];
  size_t queue_count[64];
  int queue_id[64];
  int queued;
} fake_ranks;

static int fake_rank(void* user) { return ((fake_ranks*)user)->rank; }
static int fake_size(void* user) { return ((fake_ranks*)user)->size; }

/* The other ranks hold the same numbers as this one: the sum is size × each. */
static int fake_allreduce(void* user, float* data, size_t count) {
  fake_ranks* f = (fake_ranks*)user;
  size_t i;
  if (f->fail_from >= 0 && f->calls >= f->fail_from) return 5;
  ++f->calls;
  for (i = 0; i < count; ++i) data[i] *= (float)f->size;
  return 0;
}

static int fake_broadcast(void* user, void* data, size_t bytes, int root) {
  fake_ranks* f = (fake_ranks*)user;
  (void)data;
  (void)bytes;
  (void)root;
  if (f->fail_from >= 0 && f->calls >= f->fail_from) return 5;
  ++f->calls;
  return 0;
}

/* Starts record the buffer; the sum (size × each) is made at the wait, so a caller that
 * read the buffer before waiting would see the rank's own numbers. A request is its start's
 * number. */
static int fake_start(void* user, float* data, size_t count, void** request) {
  fake_ranks* f = (fake_ranks*)user;
  if (++f->starts == f->fail_start || f->queued == 64) return 5;
  f->queue[f->queued] = data;
  f->queue_count[f->queued] = count;
  f->queue_id[f->queued] = f->starts;
  *request = (void*)(size_t)f->starts;
  ++f->queued;
  return 0;
}

static int fake_wait(void* user, void* request) {
  fake_ranks* f = (fake_ranks*)user;
  size_t i;
  int k;
  if (f->queued == 0 || (size_t)request != (size_t)f->queue_id[0]) {
    ++f->out_of_order;
    return 6;
  }
  for (i = 0; i < f->queue_count[0]; ++i) f->queue[0][i] *= (float)f->size;
  for (k = 1; k < f->queued; ++k) {
    f->queue[k - 1] = f->queue[k];
    f->queue_count[k - 1] = f->queue_count[k];
    f->queue_id[k - 1] = f->queue_id[k];
  }
  --f->queued;
  return ++f->waits == f->fail_wait ? 5 : 0;
}

static int fake_progress(void* user) {
  fake_ranks* f = (fake_ranks*)user;
  return ++f->progresses == f->fail_progress ? 7 : 0;
}

static kcell_communicator communicator_of(fake_ranks* f) {
  kcell_communicator c;
  memset(&c, 0, sizeof c);
  c.struct_size = sizeof c;
  c.user_data = f;
  c.rank = fake_rank;
  c.size = fake_size;
  c.allreduce_sum = fake_allreduce;
  c.broadcast = fake_broadcast;
  c.abort = NULL;
  return c;
}

static kcell_status train_with(const kcell_dataset* data, const kcell_communicator* c, void** bytes,
                               size_t* size) {
  kcell_model* model = NULL;
  kcell_train_params params;
  kcell_status status;
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 2, 3, &model) == KCELL_OK);
  kcell_train_params_default(&params);
  params.epochs = 2;
  params.batch_size = 8;
  params.num_threads = 1;
  params.precision = KCELL_PRECISION_FP32;
  params.communicator = c;
  status = kcell_train(model, data, data, &params, NULL);
  if (bytes) CHECK(kcell_model_save_to_memory(model, bytes, size) == KCELL_OK);
  kcell_model_free(model);
  return status;
}

int main(void) {
  kcell_dataset* data = synthetic_dataset(SIDE, 2, 40, 16);
  fake_ranks f;
  memset(&f, 0, sizeof f);
  f.size = 1;
  f.fail_from = -1;
  kcell_communicator c = communicator_of(&f);
  void *alone = NULL, *one_rank = NULL;
  size_t alone_size = 0, one_rank_size = 0;
  CHECK(data != NULL);

  /* Refused before training. */
  c.struct_size = sizeof(size_t);
  CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "communicator") != NULL);
  c = communicator_of(&f);
  c.allreduce_sum = NULL;
  CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  c = communicator_of(&f);
  f.rank = 2;
  f.size = 2;
  CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "rank 2 of 2") != NULL);

  /* One rank: never called, the same model as without a communicator. */
  f.rank = 0;
  f.size = 1;
  CHECK(train_with(data, NULL, &alone, &alone_size) == KCELL_OK);
  CHECK(train_with(data, &c, &one_rank, &one_rank_size) == KCELL_OK);
  CHECK(f.calls == 0);
  CHECK(alone_size == one_rank_size && memcmp(alone, one_rank, alone_size) == 0);

  /* Two ranks whose transport fails at its tenth call: a communication error, named. */
  f.size = 2;
  f.calls = 0;
  f.fail_from = 10;
  CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_COMMUNICATION);
  CHECK(strstr(kcell_last_error(), "failed (returned 5)") != NULL);
  CHECK(strcmp(kcell_status_string(KCELL_ERROR_COMMUNICATION), "communication error") == 0);

  /* A working pair of twins trains (collectives every step). */
  f.calls = 0;
  f.fail_from = -1;
  CHECK(train_with(data, &c, NULL, NULL) == KCELL_OK);
  CHECK(f.calls > 10);

  /* With the non-blocking sums: started during the backward pass, waited in order once
     each, and the same model as the blocking sums give. */
  {
    void *blocking = NULL, *overlapped = NULL;
    size_t blocking_size = 0, overlapped_size = 0;
    kcell_communicator old = c;
    f.calls = 0;
    CHECK(train_with(data, &c, &blocking, &blocking_size) == KCELL_OK);
    c.allreduce_sum_start = fake_start;
    c.allreduce_wait = fake_wait;
    c.progress = fake_progress;
    CHECK(train_with(data, &c, &overlapped, &overlapped_size) == KCELL_OK);
    CHECK(f.starts >= 4 && f.waits == f.starts && f.queued == 0 && f.out_of_order == 0);
    CHECK(f.progresses >= f.starts);
    CHECK(blocking_size == overlapped_size && memcmp(blocking, overlapped, blocking_size) == 0);

    /* A failing start, wait or progress: a communication error naming it; every started
       sum is still waited for. */
    f.starts = f.waits = f.progresses = 0;
    f.fail_start = 3;
    CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_COMMUNICATION);
    CHECK(strstr(kcell_last_error(), "allreduce_sum_start failed (returned 5)") != NULL);
    CHECK(f.starts == 3 && f.waits == 2 && f.queued == 0);
    f.starts = f.waits = f.progresses = 0;
    f.fail_start = 0;
    f.fail_wait = 4;
    CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_COMMUNICATION);
    CHECK(strstr(kcell_last_error(), "allreduce_wait failed (returned 5)") != NULL);
    CHECK(f.waits == f.starts && f.queued == 0 && f.out_of_order == 0);
    f.starts = f.waits = f.progresses = 0;
    f.fail_wait = 0;
    f.fail_progress = 2;
    CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_COMMUNICATION);
    CHECK(strstr(kcell_last_error(), "progress failed (returned 7)") != NULL);
    CHECK(f.waits == f.starts && f.queued == 0);
    f.fail_progress = 0;

    /* A start without its wait is refused before training. */
    c.allreduce_wait = NULL;
    CHECK(train_with(data, &c, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(kcell_last_error(), "allreduce_wait") != NULL);

    /* A caller built against the header before the non-blocking sums: its struct ends at
       abort, whatever follows in memory is not read, and it trains with blocking sums. */
    c = old;
    c.allreduce_sum_start = (int (*)(void*, float*, size_t, void**))1;
    c.allreduce_wait = (int (*)(void*, void*))1;
    c.progress = (int (*)(void*))1;
    c.struct_size = offsetof(kcell_communicator, allreduce_sum_start);
    CHECK(train_with(data, &c, NULL, NULL) == KCELL_OK);
    c = old;

    kcell_free(blocking);
    kcell_free(overlapped);
  }

  kcell_free(alone);
  kcell_free(one_rank);
  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  return failures ? 1 : 0;
}
