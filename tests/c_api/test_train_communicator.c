/* kcell_train_params.communicator from C: a struct that is too small, lacks a function or
 * reports an impossible rank is refused (KCELL_ERROR_INVALID_ARGUMENT) before training; a
 * one-rank communicator is never called and trains exactly as none; a transport that
 * fails mid-run ends kcell_train with KCELL_ERROR_COMMUNICATION and a message naming the
 * call; and a "twin" of two ranks (the other rank's numbers equal to this one's) trains. */
#include <kcell/kcell.h>

#include <math.h>
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
  fake_ranks f = {0, 1, 0, -1};
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

  kcell_free(alone);
  kcell_free(one_rank);
  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  return failures ? 1 : 0;
}
