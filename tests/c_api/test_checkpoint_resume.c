/* Training checkpoints: a run interrupted after an epoch and resumed from its checkpoint
 * ends bit for bit as the uninterrupted run (weights, statistics, metadata, history), with
 * a weight average (EMA) and batch mixing on, and with neither (a checkpoint as kcell wrote
 * it before they existed);
 * checkpoints change nothing in a run; a checkpoint of another run, or a damaged one, is
 * refused with a clear status and message and leaves the model as it was. */
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
#define EPOCHS 3

/* Dropout, batch norm and augmentation: every kind of state a run carries. */
static const char* SPEC =
    "conv(4,3) bn relu maxpool(2) dropout(0.25) flatten dense(8) relu dropout(0.5) dense";
static const char* CKPT_FULL = "c_api_checkpoint_full.ckpt";
static const char* CKPT_CUT = "c_api_checkpoint_cut.ckpt";
static const char* CKPT_BAD = "c_api_checkpoint_bad.ckpt";

static kcell_dataset* g_data = NULL;

/* Cancels at the phase-1 report of epoch `cancel_epoch` (after its checkpoint), or at the
 * `cancel_batch`-th batch of that epoch when cancel_batch > 0. */
typedef struct canceller {
  int cancel_epoch;
  size_t cancel_batch;
} canceller;

static int cancel_at(const kcell_progress* p, void* user) {
  const canceller* c = (const canceller*)user;
  if (p->epoch != c->cancel_epoch) return 0;
  if (c->cancel_batch == 0) return p->phase == 1;
  return p->phase == 0 && p->batch == c->cancel_batch;
}

/* The augmentation default_params points to. */
static kcell_augmentation augmentation;
/* The scenario: EMA and batch mixing on or off. */
static int g_averaged = 1;

static void default_params(kcell_train_params* p) {
  kcell_train_params_default(p);
  kcell_augmentation_default(&augmentation);
  p->epochs = EPOCHS;
  p->batch_size = 16;
  p->learning_rate = 3e-3;
  p->seed = 11;
  p->num_threads = 1;
  p->monitor = KCELL_MONITOR_VAL_LOSS;
  augmentation.hflip = 0.5;
  augmentation.shift = 1;
  p->augmentation = &augmentation;
  p->ema_decay = g_averaged ? 0.9 : 0.0;
  p->mixup_alpha = g_averaged ? 0.4f : 0.f;
  p->cutmix_alpha = g_averaged ? 1.f : 0.f;
}

static kcell_model* new_model(void) {
  kcell_model* m = NULL;
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, 2, 5, &m) == KCELL_OK);
  return m;
}

typedef struct bytes {
  void* data;
  size_t size;
} bytes;

static bytes saved(const kcell_model* m) {
  bytes b = {NULL, 0};
  CHECK(kcell_model_save_to_memory(m, &b.data, &b.size) == KCELL_OK);
  return b;
}

static int same_bytes(bytes a, bytes b) {
  return a.data && b.data && a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
}

/* Every field but the wall time. NaN equals NaN. */
static int same_double(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static int same_history(const kcell_history* a, const kcell_history* b) {
  size_t n = 0, m = 0, i;
  int best_a = -2, best_b = -3;
  if (kcell_history_count(a, &n) != KCELL_OK || kcell_history_count(b, &m) != KCELL_OK || n != m)
    return 0;
  if (kcell_history_best_epoch(a, &best_a) != KCELL_OK ||
      kcell_history_best_epoch(b, &best_b) != KCELL_OK || best_a != best_b)
    return 0;
  for (i = 0; i < n; ++i) {
    kcell_epoch_stats x, y;
    x.struct_size = y.struct_size = sizeof x;
    if (kcell_history_epoch(a, i, &x) != KCELL_OK || kcell_history_epoch(b, i, &y) != KCELL_OK)
      return 0;
    if (x.epoch != y.epoch || !same_double(x.train_loss, y.train_loss) ||
        !same_double(x.train_accuracy, y.train_accuracy) || !same_double(x.val_loss, y.val_loss) ||
        !same_double(x.val_accuracy, y.val_accuracy) ||
        !same_double(x.learning_rate, y.learning_rate) ||
        !same_double(x.val_balanced_accuracy, y.val_balanced_accuracy) ||
        !same_double(x.val_auc, y.val_auc) || !same_double(x.train_val_gap, y.train_val_gap))
      return 0;
  }
  return 1;
}

/* Trains a fresh model with `p`, returns its bytes and fills `history` (if given). */
static bytes train_fresh(const kcell_train_params* p, kcell_history* history,
                         kcell_status expected) {
  kcell_model* m = new_model();
  bytes b;
  kcell_status status = kcell_train(m, g_data, g_data, p, history);
  if (status != expected)
    fprintf(stderr, "kcell_train gave %s: %s\n", kcell_status_string(status), kcell_last_error());
  CHECK(status == expected);
  b = saved(m);
  kcell_model_free(m);
  return b;
}

/* Trains with checkpoints in CKPT_CUT until `cut` cancels the run (NULL: resumes
 * CKPT_FULL, a finished run, instead), then resumes from that checkpoint with a fresh model,
 * as a new process would: the model bytes and history must equal the uninterrupted run's. */
static void resumes_to(canceller* cut, bytes full, const kcell_history* full_history) {
  kcell_train_params p;
  kcell_history* history = NULL;
  bytes resumed;
  if (cut) {
    bytes stopped;
    default_params(&p);
    p.checkpoint_path = CKPT_CUT;
    p.progress = cancel_at;
    p.progress_user_data = cut;
    stopped = train_fresh(&p, NULL, KCELL_ERROR_CANCELLED);
    CHECK(!same_bytes(stopped, full));
    kcell_free(stopped.data);
  }
  default_params(&p);
  p.checkpoint_path = cut ? CKPT_CUT : CKPT_FULL;
  p.resume = 1;
  CHECK(kcell_history_create(&history) == KCELL_OK);
  resumed = train_fresh(&p, history, KCELL_OK);
  CHECK(same_bytes(resumed, full));
  CHECK(same_history(history, full_history));
  kcell_history_free(history);
  kcell_free(resumed.data);
}

static int file_exists(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

/* Copies `from` to `to`, XOR-ing byte `flip_at` (when below the size) and keeping only
 * `keep` bytes (when below the size). */
static void damaged_copy(const char* from, const char* to, long flip_at, long keep) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  long i = 0;
  int c;
  CHECK(in && out);
  if (!in || !out) return;
  while ((c = fgetc(in)) != EOF && (keep < 0 || i < keep)) {
    fputc(i == flip_at ? c ^ 0x5a : c, out);
    ++i;
  }
  fclose(in);
  fclose(out);
}

static long file_size(const char* path) {
  FILE* f = fopen(path, "rb");
  long n;
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fclose(f);
  return n;
}

/* Resuming from `path` must fail with `status` and a message containing `needle`, and
 * leave the model untouched. */
static void refused(const char* path, const kcell_train_params* base, kcell_status status,
                    const char* needle) {
  kcell_train_params p = *base;
  kcell_model* m = new_model();
  bytes before = saved(m), after;
  kcell_status got;
  p.checkpoint_path = path;
  p.resume = 1;
  got = kcell_train(m, g_data, g_data, &p, NULL);
  if (got != status || strstr(kcell_last_error(), needle) == NULL)
    fprintf(stderr, "resuming from %s gave %s: %s (expected %s with '%s')\n", path,
            kcell_status_string(got), kcell_last_error(), kcell_status_string(status), needle);
  CHECK(got == status);
  CHECK(strstr(kcell_last_error(), needle) != NULL);
  after = saved(m);
  CHECK(same_bytes(before, after));
  kcell_free(before.data);
  kcell_free(after.data);
  kcell_model_free(m);
}

/* Every check, for the scenario g_averaged says. */
static void check_checkpoints(void) {
  kcell_train_params p;
  kcell_history *plain_history = NULL, *full_history = NULL;
  bytes plain, full, again;
  canceller after_epoch_1 = {1, 0}, inside_epoch_2 = {2, 3};
  long size;

  CHECK(kcell_history_create(&plain_history) == KCELL_OK);
  CHECK(kcell_history_create(&full_history) == KCELL_OK);
  remove(CKPT_FULL);
  remove(CKPT_CUT);

  /* Writing checkpoints changes nothing in a run. */
  default_params(&p);
  plain = train_fresh(&p, plain_history, KCELL_OK);
  p.checkpoint_path = CKPT_FULL;
  full = train_fresh(&p, full_history, KCELL_OK);
  CHECK(same_bytes(plain, full));
  CHECK(same_history(plain_history, full_history));
  CHECK(file_exists(CKPT_FULL));

  /* Cancelled after epoch 1's checkpoint, then resumed. */
  resumes_to(&after_epoch_1, full, full_history);

  /* Cancelled in the middle of epoch 2: it restarts from the checkpoint of epoch 1. */
  resumes_to(&inside_epoch_2, full, full_history);

  /* Resuming a finished run gives its result again without training. */
  resumes_to(NULL, full, full_history);

  /* resume with no checkpoint yet starts anew (and writes one). */
  remove(CKPT_CUT);
  default_params(&p);
  p.checkpoint_path = CKPT_CUT;
  p.resume = 1;
  again = train_fresh(&p, NULL, KCELL_OK);
  CHECK(same_bytes(again, full));
  CHECK(file_exists(CKPT_CUT));
  kcell_free(again.data);

  /* A checkpoint of another run is refused, naming what differs. */
  default_params(&p);
  p.learning_rate = 1e-2;
  refused(CKPT_FULL, &p, KCELL_ERROR_INVALID_ARGUMENT, "'learning_rate'");
  default_params(&p);
  p.epochs = EPOCHS + 1;
  refused(CKPT_FULL, &p, KCELL_ERROR_INVALID_ARGUMENT, "'epochs'");
  default_params(&p);
  augmentation.hflip = 0.0;
  refused(CKPT_FULL, &p, KCELL_ERROR_INVALID_ARGUMENT, "augment");
  default_params(&p);
  p.ema_decay = g_averaged ? 0.0 : 0.9;
  refused(CKPT_FULL, &p, KCELL_ERROR_INVALID_ARGUMENT, "'ema_decay'");
  default_params(&p);
  p.mixup_alpha = g_averaged ? 0.f : 0.4f;
  refused(CKPT_FULL, &p, KCELL_ERROR_INVALID_ARGUMENT, "'mixup_alpha'");

  /* A damaged checkpoint is a format error; so is a file that is no checkpoint. */
  default_params(&p);
  size = file_size(CKPT_FULL);
  CHECK(size > 1000);
  damaged_copy(CKPT_FULL, CKPT_BAD, -1, size / 2);
  refused(CKPT_BAD, &p, KCELL_ERROR_FORMAT, CKPT_BAD);
  damaged_copy(CKPT_FULL, CKPT_BAD, size / 2, -1);
  refused(CKPT_BAD, &p, KCELL_ERROR_FORMAT, CKPT_BAD);
  damaged_copy(CKPT_FULL, CKPT_BAD, 200, -1); /* inside checkpoint.json */
  refused(CKPT_BAD, &p, KCELL_ERROR_FORMAT, CKPT_BAD);
  {
    kcell_model* m = new_model();
    CHECK(kcell_model_save(m, CKPT_BAD) == KCELL_OK);
    kcell_model_free(m);
  }
  refused(CKPT_BAD, &p, KCELL_ERROR_FORMAT, "not a kcell checkpoint");

  remove(CKPT_FULL);
  remove(CKPT_CUT);
  remove(CKPT_BAD);
  kcell_free(plain.data);
  kcell_free(full.data);
  kcell_history_free(plain_history);
  kcell_history_free(full_history);
}

int main(void) {
  g_data = synthetic_dataset(SIDE, 2, N_TRAIN, N_VAL);
  CHECK(g_data != NULL);
  g_averaged = 1;
  check_checkpoints();
  g_averaged = 0;
  check_checkpoints();
  kcell_dataset_free(g_data);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
