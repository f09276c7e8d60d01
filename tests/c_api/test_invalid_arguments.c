/* Every function of kcell.h, called with NULL or otherwise invalid arguments, returns
 * KCELL_ERROR_INVALID_ARGUMENT with a message, writes no out-parameter and changes nothing.
 *
 * The table below has one entry per KCELL_API function. The test reads kcell.h itself and
 * fails when a function there has no entry (or an entry names a function that is gone), so
 * a new function cannot be added without saying how it treats bad arguments. */
#include <kcell/kcell.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define SIDE 4
#define PIXELS (SIDE * SIDE)
#define CLASSES 2

static int cases = 0;
static kcell_dataset* g_data = NULL;
static kcell_model* g_model = NULL;
static kcell_history* g_history = NULL;
static uint8_t g_images[8 * PIXELS];
static int32_t g_labels[8];
static const char* g_model_path = "c_api_invalid_arguments.kcell";

static void expect_status(kcell_status got, kcell_status want, const char* call, int line) {
  ++cases;
  if (got != want) {
    fprintf(stderr, "%s:%d: %s gave %s (%s), expected %s\n", __FILE__, line, call,
            kcell_status_string(got), kcell_last_error(), kcell_status_string(want));
    ++failures;
  } else if (want != KCELL_OK && kcell_last_error()[0] == '\0') {
    fprintf(stderr, "%s:%d: %s failed without a message\n", __FILE__, line, call);
    ++failures;
  }
}

/* The call must fail with KCELL_ERROR_INVALID_ARGUMENT and a message. */
#define INVALID(call) expect_status((call), KCELL_ERROR_INVALID_ARGUMENT, #call, __LINE__)
/* Some arguments are valid NULLs (documented as optional): the call must succeed. */
#define VALID(call) expect_status((call), KCELL_OK, #call, __LINE__)
/* A capacity that is too small has its own status. */
#define TOO_SMALL(call) expect_status((call), KCELL_ERROR_BUFFER_TOO_SMALL, #call, __LINE__)

static const uint8_t* g_pixels(void) { return g_images; }

/* ---- one function per header function ------------------------------------------------ */

static void t_kcell_version(void) {
  ++cases;
  CHECK(kcell_version() != NULL && strlen(kcell_version()) >= 5);
}

static void t_kcell_recommended_architecture(void) {
  kcell_model* model = NULL;
  ++cases;
  /* resnet8, or its slim variant on CPUs that train at a quarter of the reference rate. */
  CHECK(strcmp(kcell_recommended_architecture(), "resnet8") == 0 ||
        strcmp(kcell_recommended_architecture(), "resnet8-slim") == 0);
  CHECK(kcell_model_create(kcell_recommended_architecture(), 1, 28, 28, 2, 1, &model) == KCELL_OK);
  kcell_model_free(model);
}

static void t_kcell_recommended_architecture_for(void) {
  kcell_model* model = NULL;
  ++cases;
  /* Small sets: the CPU's small-set network, whatever their size. */
  CHECK(strcmp(kcell_recommended_architecture_for(0), kcell_recommended_architecture()) == 0);
  CHECK(strcmp(kcell_recommended_architecture_for(19999), kcell_recommended_architecture()) == 0);
  CHECK(strcmp(kcell_recommended_architecture_for(20000), "resnet10") == 0);
  CHECK(strcmp(kcell_recommended_architecture_for((size_t)-1), "resnet10") == 0);
  CHECK(kcell_model_create(kcell_recommended_architecture_for(60000), 1, 28, 28, 2, 1, &model) ==
        KCELL_OK);
  kcell_model_free(model);
}

static void t_kcell_version_number(void) {
  ++cases;
  CHECK(kcell_version_number() == KCELL_VERSION_NUMBER);
}

static void t_kcell_status_string(void) {
  cases += 3;
  CHECK(strcmp(kcell_status_string((kcell_status)-1), "unknown status") == 0);
  CHECK(strcmp(kcell_status_string((kcell_status)99999), "unknown status") == 0);
  CHECK(kcell_status_string(KCELL_ERROR_INVALID_ARGUMENT) != NULL);
}

static void t_kcell_last_error(void) {
  ++cases;
  CHECK(kcell_last_error() != NULL);
}

static void t_kcell_set_num_threads(void) {
  INVALID(kcell_set_num_threads(-1));
  INVALID(kcell_set_num_threads(-1000000));
  VALID(kcell_set_num_threads(0));
}

static void t_kcell_open_options_init(void) {
  kcell_open_options options;
  memset(&options, 0xab, sizeof options);
  INVALID(kcell_open_options_init(NULL, sizeof options));
  INVALID(kcell_open_options_init(&options, 0));
  INVALID(kcell_open_options_init(&options, sizeof(size_t) - 1));
  CHECK(options.num_classes == (int32_t)0xabababab); /* nothing written on failure */
}

static void t_kcell_dataset_open(void) {
  kcell_dataset* out = NULL;
  kcell_open_options options;
  const char* path = KCELL_FIXTURES_DIR "/data/medmnist_compressed.npz";
  INVALID(kcell_dataset_open(NULL, NULL, &out));
  INVALID(kcell_dataset_open(path, NULL, NULL));
  kcell_open_options_default(&options);
  options.struct_size = 0;
  INVALID(kcell_dataset_open(path, &options, &out));
  kcell_open_options_default(&options);
  options.num_classes = -1;
  INVALID(kcell_dataset_open(path, &options, &out));
  kcell_open_options_default(&options);
  options.val_fraction = NAN;
  INVALID(kcell_dataset_open(path, &options, &out));
  kcell_open_options_default(&options);
  options.val_fraction = 1.5;
  INVALID(kcell_dataset_open(path, &options, &out));
  kcell_open_options_default(&options);
  options.max_bytes = 0;
  INVALID(kcell_dataset_open(path, &options, &out));
  CHECK(out == NULL);
}

static void t_kcell_dataset_create(void) {
  kcell_dataset* out = NULL;
  kcell_split_buffers train, no_images, no_labels, bad_label;
  int32_t labels[8];
  train.images = g_images;
  train.labels = g_labels;
  train.count = 8;
  no_images = train;
  no_images.images = NULL;
  no_labels = train;
  no_labels.labels = NULL;
  memcpy(labels, g_labels, sizeof labels);
  labels[3] = -2;
  bad_label = train;
  bad_label.labels = labels;
  INVALID(kcell_dataset_create(1, SIDE, SIDE, 0, &train, NULL, NULL, NULL));
  INVALID(kcell_dataset_create(2, SIDE, SIDE, 0, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(0, SIDE, SIDE, 0, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(-1, SIDE, SIDE, 0, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, 0, SIDE, 0, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, SIDE, -5, 0, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, 1 << 30, 1 << 30, 0, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, SIDE, SIDE, -3, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, SIDE, SIDE, 1, &train, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, SIDE, SIDE, 0, &no_images, NULL, NULL, &out));
  INVALID(kcell_dataset_create(1, SIDE, SIDE, 0, &train, &no_labels, NULL, &out));
  INVALID(kcell_dataset_create(1, SIDE, SIDE, 0, &train, NULL, &bad_label, &out));
  INVALID(kcell_dataset_create(1, SIDE, SIDE, 0, NULL, NULL, NULL, &out));
  CHECK(out == NULL);
}

static void t_kcell_dataset_free(void) {
  ++cases;
  kcell_dataset_free(NULL);
}

static void t_kcell_dataset_count(void) {
  size_t count = 777;
  INVALID(kcell_dataset_count(NULL, KCELL_SPLIT_TRAIN, &count));
  INVALID(kcell_dataset_count(g_data, KCELL_SPLIT_TRAIN, NULL));
  INVALID(kcell_dataset_count(g_data, (kcell_split)3, &count));
  INVALID(kcell_dataset_count(g_data, (kcell_split)-1, &count));
  CHECK(count == 777);
}

static void t_kcell_dataset_shape(void) {
  int c = 77, h = 77, w = 77;
  INVALID(kcell_dataset_shape(NULL, &c, &h, &w));
  CHECK(c == 77 && h == 77 && w == 77);
  VALID(kcell_dataset_shape(g_data, NULL, NULL, NULL));
}

static void t_kcell_dataset_num_classes(void) {
  int k = 77;
  INVALID(kcell_dataset_num_classes(NULL, &k));
  INVALID(kcell_dataset_num_classes(g_data, NULL));
  CHECK(k == 77);
}

static void t_kcell_dataset_class_histogram(void) {
  size_t counts[CLASSES] = {77, 77};
  INVALID(kcell_dataset_class_histogram(NULL, KCELL_SPLIT_TRAIN, counts, CLASSES));
  INVALID(kcell_dataset_class_histogram(g_data, (kcell_split)7, counts, CLASSES));
  INVALID(kcell_dataset_class_histogram(g_data, KCELL_SPLIT_TRAIN, NULL, CLASSES));
  TOO_SMALL(kcell_dataset_class_histogram(g_data, KCELL_SPLIT_TRAIN, counts, CLASSES - 1));
  CHECK(counts[0] == 77 && counts[1] == 77);
}

static void t_kcell_dataset_image(void) {
  uint8_t pixels[PIXELS];
  int32_t label = 77;
  memset(pixels, 0xee, sizeof pixels);
  INVALID(kcell_dataset_image(NULL, KCELL_SPLIT_TRAIN, 0, pixels, PIXELS, &label));
  INVALID(kcell_dataset_image(g_data, (kcell_split)5, 0, pixels, PIXELS, &label));
  INVALID(kcell_dataset_image(g_data, KCELL_SPLIT_TRAIN, 8, pixels, PIXELS, &label));
  INVALID(kcell_dataset_image(g_data, KCELL_SPLIT_TRAIN, (size_t)-1, pixels, PIXELS, &label));
  TOO_SMALL(kcell_dataset_image(g_data, KCELL_SPLIT_TRAIN, 0, pixels, PIXELS - 1, &label));
  CHECK(label == 77 && pixels[0] == 0xee);
  VALID(kcell_dataset_image(g_data, KCELL_SPLIT_TRAIN, 0, NULL, 0, NULL));
}

static void t_kcell_dataset_class_name(void) {
  char name[64];
  size_t needed = 77;
  name[0] = 'x';
  INVALID(kcell_dataset_class_name(NULL, 0, name, sizeof name, &needed));
  INVALID(kcell_dataset_class_name(g_data, -1, name, sizeof name, &needed));
  INVALID(kcell_dataset_class_name(g_data, CLASSES, name, sizeof name, &needed));
  INVALID(kcell_dataset_class_name(g_data, 0, NULL, sizeof name, &needed));
  TOO_SMALL(kcell_dataset_class_name(g_data, 0, name, 1, &needed));
  CHECK(name[0] == 'x' && needed == 2);
  VALID(kcell_dataset_class_name(g_data, 1, name, sizeof name, NULL));
  CHECK(strcmp(name, "1") == 0);
}

static void t_kcell_dataset_save_npz(void) {
  FILE* f;
  INVALID(kcell_dataset_save_npz(NULL, "c_api_invalid_arguments.npz"));
  INVALID(kcell_dataset_save_npz(g_data, NULL));
  ++cases;
  f = fopen("c_api_invalid_arguments.npz", "rb");
  CHECK(f == NULL);
  if (f) fclose(f);
}

static void t_kcell_model_training_memory(void) {
  uint64_t params = 77, activations = 77, runtime = 77;
  INVALID(kcell_model_training_memory(NULL, 8, &params, &activations, &runtime));
  INVALID(kcell_model_training_memory(g_model, 0, &params, &activations, &runtime));
  CHECK(params == 77 && activations == 77 && runtime == 77);
  VALID(kcell_model_training_memory(g_model, 8, NULL, NULL, NULL));
  VALID(kcell_model_training_memory(g_model, 8, &params, &activations, &runtime));
  ++cases;
  CHECK(params > 0 && activations > 0 && runtime > 0);
}

static void t_kcell_dataset_task(void) {
  int32_t task = 77;
  INVALID(kcell_dataset_task(NULL, &task));
  INVALID(kcell_dataset_task(g_data, NULL));
  CHECK(task == 77);
  VALID(kcell_dataset_task(g_data, &task));
  CHECK(task == KCELL_TASK_MULTI_CLASS);
}

static void t_kcell_dataset_labels(void) {
  int32_t labels[2] = {77, 77};
  INVALID(kcell_dataset_labels(NULL, KCELL_SPLIT_TRAIN, 0, labels, 2));
  INVALID(kcell_dataset_labels(g_data, KCELL_SPLIT_TRAIN, 0, NULL, 2));
  INVALID(kcell_dataset_labels(g_data, (kcell_split)5, 0, labels, 2));
  INVALID(kcell_dataset_labels(g_data, KCELL_SPLIT_TRAIN, 8, labels, 2));
  TOO_SMALL(kcell_dataset_labels(g_data, KCELL_SPLIT_TRAIN, 0, labels, 0));
  CHECK(labels[0] == 77);
  VALID(kcell_dataset_labels(g_data, KCELL_SPLIT_TRAIN, 1, labels, 1));
  CHECK(labels[0] == g_labels[1] && labels[1] == 77);
}

static void t_kcell_model_create(void) {
  kcell_model* out = NULL;
  const char* spec = "flatten dense";
  INVALID(kcell_model_create(NULL, 1, SIDE, SIDE, CLASSES, 1, &out));
  INVALID(kcell_model_create(spec, 1, SIDE, SIDE, CLASSES, 1, NULL));
  INVALID(kcell_model_create(spec, 0, SIDE, SIDE, CLASSES, 1, &out));
  INVALID(kcell_model_create(spec, 2, SIDE, SIDE, CLASSES, 1, &out));
  INVALID(kcell_model_create(spec, 1, -1, SIDE, CLASSES, 1, &out));
  INVALID(kcell_model_create(spec, 1, SIDE, 0, CLASSES, 1, &out));
  INVALID(kcell_model_create(spec, 1, 100000, SIDE, CLASSES, 1, &out));
  INVALID(kcell_model_create(spec, 1, SIDE, SIDE, 1, 1, &out));
  INVALID(kcell_model_create(spec, 1, SIDE, SIDE, -4, 1, &out));
  CHECK(out == NULL);
}

static void t_kcell_model_free(void) {
  ++cases;
  kcell_model_free(NULL);
}

static void t_kcell_model_num_params(void) {
  size_t n = 77;
  INVALID(kcell_model_num_params(NULL, &n));
  INVALID(kcell_model_num_params(g_model, NULL));
  CHECK(n == 77);
}

static void t_kcell_train_params_init(void) {
  kcell_train_params params;
  memset(&params, 0xab, sizeof params);
  INVALID(kcell_train_params_init(NULL, sizeof params));
  INVALID(kcell_train_params_init(&params, 0));
  INVALID(kcell_train_params_init(&params, 1));
  CHECK(params.epochs == (int)0xabababab);
}

static void t_kcell_augmentation_init(void) {
  kcell_augmentation augmentation;
  memset(&augmentation, 0xab, sizeof augmentation);
  INVALID(kcell_augmentation_init(NULL, sizeof augmentation));
  INVALID(kcell_augmentation_init(&augmentation, 0));
  INVALID(kcell_augmentation_init(&augmentation, sizeof(size_t) - 1));
  CHECK(augmentation.shift == (int32_t)0xabababab);
}

static void t_kcell_history_create(void) { INVALID(kcell_history_create(NULL)); }

static void t_kcell_history_free(void) {
  ++cases;
  kcell_history_free(NULL);
}

static void t_kcell_history_count(void) {
  size_t n = 77;
  INVALID(kcell_history_count(NULL, &n));
  INVALID(kcell_history_count(g_history, NULL));
  CHECK(n == 77);
}

static void t_kcell_history_epoch(void) {
  kcell_epoch_stats stats;
  stats.struct_size = sizeof stats;
  stats.epoch = 77;
  INVALID(kcell_history_epoch(NULL, 0, &stats));
  INVALID(kcell_history_epoch(g_history, 0, NULL));
  INVALID(kcell_history_epoch(g_history, 1000, &stats));
  CHECK(stats.epoch == 77);
  stats.struct_size = sizeof(size_t) - 1;
  INVALID(kcell_history_epoch(g_history, 0, &stats));
  CHECK(strstr(kcell_last_error(), "struct_size") != NULL);
  CHECK(stats.epoch == 77);
}

static void t_kcell_history_best_epoch(void) {
  int best = 77;
  INVALID(kcell_history_best_epoch(NULL, &best));
  INVALID(kcell_history_best_epoch(g_history, NULL));
  CHECK(best == 77);
}

/* The model's bytes, to check that a refused call changed nothing. */
static char* model_bytes(size_t* size) {
  void* data = NULL;
  char* copy;
  if (kcell_model_save_to_memory(g_model, &data, size) != KCELL_OK) return NULL;
  copy = (char*)malloc(*size);
  if (copy) memcpy(copy, data, *size);
  kcell_free(data);
  return copy;
}

static void t_kcell_train(void) {
  kcell_train_params p;
  kcell_augmentation augmentation;
  size_t before_size = 0, after_size = 0, records = 77;
  char *before = model_bytes(&before_size), *after;
  float weights[CLASSES] = {1.f, -1.f};
  kcell_dataset* no_val = NULL;
  kcell_split_buffers train;
  train.images = g_images;
  train.labels = g_labels;
  train.count = 8;
  CHECK(kcell_dataset_create(1, SIDE, SIDE, 0, &train, NULL, NULL, &no_val) == KCELL_OK);

/* One bad field (with another set so that the field matters). */
#define TRAIN_WITH2(field, value, other, other_value)             \
  do {                                                            \
    kcell_train_params_default(&p);                               \
    p.epochs = 1;                                                 \
    p.batch_size = 4;                                             \
    p.other = other_value;                                        \
    p.field = value;                                              \
    INVALID(kcell_train(g_model, g_data, g_data, &p, g_history)); \
  } while (0)
#define TRAIN_WITH(field, value) TRAIN_WITH2(field, value, epochs, 1)
/* One bad augmentation field (with another set so that the field matters). */
#define AUGMENT_WITH2(field, value, other, other_value) \
  do {                                                  \
    kcell_augmentation_default(&augmentation);          \
    augmentation.other = other_value;                   \
    augmentation.field = value;                         \
    TRAIN_WITH(augmentation, &augmentation);            \
  } while (0)
#define AUGMENT_WITH(field, value) AUGMENT_WITH2(field, value, hflip, 0.0)

  kcell_train_params_default(&p);
  p.epochs = 1;
  INVALID(kcell_train(NULL, g_data, g_data, &p, g_history));
  INVALID(kcell_train(g_model, NULL, g_data, &p, g_history));
  TRAIN_WITH(struct_size, 0);
  TRAIN_WITH(struct_size, 3);
  TRAIN_WITH(epochs, -1);
  TRAIN_WITH(batch_size, 0);
  TRAIN_WITH(batch_size, -7);
  TRAIN_WITH(optimizer, (kcell_optimizer)99);
  TRAIN_WITH(optimizer, -1);
  TRAIN_WITH(learning_rate, -0.1);
  TRAIN_WITH(learning_rate, NAN);
  TRAIN_WITH(learning_rate, INFINITY);
  TRAIN_WITH2(momentum, 1.0, optimizer, KCELL_OPTIMIZER_SGD);
  TRAIN_WITH2(momentum, -0.1, optimizer, KCELL_OPTIMIZER_SGD);
  kcell_train_params_default(&p); /* Nesterov without momentum */
  p.epochs = 1;
  p.optimizer = KCELL_OPTIMIZER_SGD;
  p.momentum = 0.0;
  p.nesterov = 1;
  INVALID(kcell_train(g_model, g_data, g_data, &p, g_history));
  TRAIN_WITH(beta1, -0.5);
  TRAIN_WITH(beta2, 1.0);
  TRAIN_WITH(epsilon, 0.0);
  TRAIN_WITH(weight_decay, -1.0);
  TRAIN_WITH(weight_decay, NAN);
  TRAIN_WITH(schedule, (kcell_schedule)42);
  TRAIN_WITH(warmup_epochs, NAN); /* negative is automatic */
  TRAIN_WITH(label_smoothing, 1.0);
  TRAIN_WITH(label_smoothing, NAN);
  TRAIN_WITH(num_threads, -2);
  TRAIN_WITH(monitor, (kcell_monitor)17);
  TRAIN_WITH(validate_every, -1);                      /* a negative patience is automatic */
  TRAIN_WITH(fit_decision_bias, KCELL_DECISION_GIVEN); /* a model's rule, not a fit */
  TRAIN_WITH(fit_decision_bias, -1);
  TRAIN_WITH2(min_delta, -0.5, monitor, KCELL_MONITOR_VAL_ACCURACY);
  TRAIN_WITH2(min_delta, NAN, monitor, KCELL_MONITOR_VAL_AUC);
  TRAIN_WITH(ema_decay, 1.0); /* negative is automatic */
  TRAIN_WITH(ema_decay, 1.5);
  TRAIN_WITH(ema_decay, NAN);
  TRAIN_WITH(mixup_alpha, -0.2);
  TRAIN_WITH(mixup_alpha, NAN);
  TRAIN_WITH(mixup_alpha, 1e300); /* past float's range: refused, not converted */
  TRAIN_WITH(cutmix_alpha, -1.0);
  TRAIN_WITH(cutmix_alpha, INFINITY);
  TRAIN_WITH(cutmix_alpha, -1e300);
  AUGMENT_WITH(struct_size, 0);
  AUGMENT_WITH(struct_size, 3);
  AUGMENT_WITH(hflip, 2.0);
  AUGMENT_WITH(rotate_degrees, 400.0);
  AUGMENT_WITH(shift, -1);
  AUGMENT_WITH(brightness, NAN);
  AUGMENT_WITH2(erase_max_area, 0.0, erase, 0.5);
  AUGMENT_WITH(shift, SIDE);
  TRAIN_WITH(checkpoint_path, "");
  TRAIN_WITH(resume, 1); /* resume without a checkpoint path */
  /* Both explicit and automatic class weights; a negative explicit weight. */
  kcell_train_params_default(&p);
  p.epochs = 1;
  p.class_weights = weights;
  INVALID(kcell_train(g_model, g_data, g_data, &p, g_history));
  weights[1] = 1.f;
  p.auto_class_weights = 7; /* no such weighting, also beside explicit weights */
  INVALID(kcell_train(g_model, g_data, g_data, &p, g_history));
  p.class_weights = NULL;
  INVALID(kcell_train(g_model, g_data, g_data, &p, g_history));
  p.auto_class_weights = KCELL_CLASS_WEIGHTS_NONE;
  p.validate_every = -1;
  INVALID(kcell_train(g_model, g_data, g_data, &p, g_history));
  /* A monitor without validation data. */
  kcell_train_params_default(&p);
  p.epochs = 1;
  p.monitor = KCELL_MONITOR_VAL_LOSS;
  INVALID(kcell_train(g_model, g_data, NULL, &p, g_history));
  INVALID(kcell_train(g_model, g_data, no_val, &p, g_history));
#undef TRAIN_WITH
#undef TRAIN_WITH2

  after = model_bytes(&after_size);
  ++cases;
  CHECK(before && after && before_size == after_size && memcmp(before, after, before_size) == 0);
  CHECK(kcell_history_count(g_history, &records) == KCELL_OK && records == 0);
  free(before);
  free(after);
  kcell_dataset_free(no_val);
}

static void t_kcell_evaluate(void) {
  kcell_metrics m;
  m.struct_size = sizeof m;
  m.count = 77;
  INVALID(kcell_evaluate(NULL, g_data, KCELL_SPLIT_VAL, &m));
  INVALID(kcell_evaluate(g_model, NULL, KCELL_SPLIT_VAL, &m));
  INVALID(kcell_evaluate(g_model, g_data, (kcell_split)3, &m));
  INVALID(kcell_evaluate(g_model, g_data, KCELL_SPLIT_VAL, NULL));
  m.struct_size = 0;
  INVALID(kcell_evaluate(g_model, g_data, KCELL_SPLIT_VAL, &m));
  CHECK(m.count == 77);
}

static void t_kcell_evaluate_details(void) {
  kcell_metrics m;
  kcell_class_metrics per_class[CLASSES];
  uint64_t confusion[CLASSES * CLASSES];
  m.struct_size = sizeof m;
  m.count = 77;
  INVALID(kcell_evaluate_details(NULL, g_data, KCELL_SPLIT_VAL, &m, per_class, CLASSES, confusion,
                                 CLASSES * CLASSES));
  INVALID(kcell_evaluate_details(g_model, NULL, KCELL_SPLIT_VAL, &m, per_class, CLASSES, confusion,
                                 CLASSES * CLASSES));
  INVALID(kcell_evaluate_details(g_model, g_data, (kcell_split)-2, &m, per_class, CLASSES,
                                 confusion, CLASSES * CLASSES));
  INVALID(kcell_evaluate_details(g_model, g_data, KCELL_SPLIT_VAL, NULL, per_class, CLASSES,
                                 confusion, CLASSES * CLASSES));
  TOO_SMALL(kcell_evaluate_details(g_model, g_data, KCELL_SPLIT_VAL, &m, per_class, 1, confusion,
                                   CLASSES * CLASSES));
  TOO_SMALL(kcell_evaluate_details(g_model, g_data, KCELL_SPLIT_VAL, &m, per_class, CLASSES,
                                   confusion, 3));
  m.struct_size = 1;
  INVALID(kcell_evaluate_details(g_model, g_data, KCELL_SPLIT_VAL, &m, NULL, 0, NULL, 0));
  CHECK(m.count == 77);
}

static void t_kcell_model_save(void) {
  INVALID(kcell_model_save(NULL, g_model_path));
  INVALID(kcell_model_save(g_model, NULL));
}

static void t_kcell_model_export_onnx(void) {
  INVALID(kcell_model_export_onnx(NULL, "c_api_invalid_arguments.onnx"));
  INVALID(kcell_model_export_onnx(g_model, NULL));
  /* A folder is never replaced (a build without protobuf says it cannot export at all). */
  const kcell_status folder = kcell_model_export_onnx(g_model, ".");
  CHECK(folder == KCELL_ERROR_IO || folder == KCELL_ERROR_UNSUPPORTED);
}

static void t_kcell_model_save_to_memory(void) {
  void* data = (void*)g_images;
  size_t size = 77;
  INVALID(kcell_model_save_to_memory(NULL, &data, &size));
  INVALID(kcell_model_save_to_memory(g_model, NULL, &size));
  INVALID(kcell_model_save_to_memory(g_model, &data, NULL));
  CHECK(data == (void*)g_images && size == 77);
}

static void t_kcell_model_load(void) {
  kcell_model* out = NULL;
  INVALID(kcell_model_load(NULL, &out));
  INVALID(kcell_model_load(g_model_path, NULL));
  CHECK(out == NULL);
}

static void t_kcell_model_load_from_memory(void) {
  kcell_model* out = NULL;
  INVALID(kcell_model_load_from_memory(NULL, 100, &out));
  INVALID(kcell_model_load_from_memory(g_images, sizeof g_images, NULL));
  CHECK(out == NULL);
}

static void t_kcell_free(void) {
  ++cases;
  kcell_free(NULL);
}

static void t_kcell_model_get_info(void) {
  kcell_model_info info;
  info.struct_size = sizeof info;
  info.channels = 77;
  INVALID(kcell_model_get_info(NULL, &info));
  INVALID(kcell_model_get_info(g_model, NULL));
  info.struct_size = 0;
  INVALID(kcell_model_get_info(g_model, &info));
  CHECK(info.channels == 77);
}

static void t_kcell_model_architecture(void) {
  char text[256];
  size_t needed = 77;
  text[0] = 'x';
  INVALID(kcell_model_architecture(NULL, text, sizeof text, &needed));
  INVALID(kcell_model_architecture(g_model, NULL, sizeof text, &needed));
  TOO_SMALL(kcell_model_architecture(g_model, text, 2, NULL));
  CHECK(text[0] == 'x');
}

static void t_kcell_model_summary(void) {
  char text[4096];
  size_t needed = 77;
  text[0] = 'x';
  INVALID(kcell_model_summary(NULL, text, sizeof text, &needed));
  INVALID(kcell_model_summary(g_model, NULL, sizeof text, &needed));
  TOO_SMALL(kcell_model_summary(g_model, text, 2, NULL));
  CHECK(text[0] == 'x');
}

static void t_kcell_model_normalization(void) {
  float mean[3] = {77.f, 77.f, 77.f}, sd[3] = {77.f, 77.f, 77.f};
  INVALID(kcell_model_normalization(NULL, mean, sd, 3));
  INVALID(kcell_model_normalization(g_model, NULL, sd, 3));
  INVALID(kcell_model_normalization(g_model, mean, NULL, 3));
  TOO_SMALL(kcell_model_normalization(g_model, mean, sd, 0));
  CHECK(mean[0] == 77.f && sd[0] == 77.f);
}

static void t_kcell_model_set_class_names(void) {
  const char* good[CLASSES] = {"healthy", "sick"};
  const char* with_null[CLASSES] = {"healthy", NULL};
  const char* with_empty[CLASSES] = {"healthy", ""};
  const char* not_utf8[CLASSES] = {"healthy", "\xff\xfe"};
  char long_name[300];
  const char* too_long[CLASSES];
  char name[64];
  memset(long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  too_long[0] = "ok";
  too_long[1] = long_name;
  INVALID(kcell_model_set_class_names(NULL, good, CLASSES));
  INVALID(kcell_model_set_class_names(g_model, NULL, CLASSES));
  INVALID(kcell_model_set_class_names(g_model, good, CLASSES + 1));
  INVALID(kcell_model_set_class_names(g_model, good, 1));
  INVALID(kcell_model_set_class_names(g_model, with_null, CLASSES));
  INVALID(kcell_model_set_class_names(g_model, with_empty, CLASSES));
  INVALID(kcell_model_set_class_names(g_model, not_utf8, CLASSES));
  INVALID(kcell_model_set_class_names(g_model, too_long, CLASSES));
  /* Still the defaults. */
  ++cases;
  CHECK(kcell_model_class_name(g_model, 1, name, sizeof name, NULL) == KCELL_OK &&
        strcmp(name, "1") == 0);
}

static void t_kcell_model_class_name(void) {
  char name[64];
  size_t needed = 77;
  name[0] = 'x';
  INVALID(kcell_model_class_name(NULL, 0, name, sizeof name, &needed));
  INVALID(kcell_model_class_name(g_model, -1, name, sizeof name, &needed));
  INVALID(kcell_model_class_name(g_model, CLASSES, name, sizeof name, &needed));
  INVALID(kcell_model_class_name(g_model, 0, NULL, sizeof name, &needed));
  TOO_SMALL(kcell_model_class_name(g_model, 0, name, 1, &needed));
  CHECK(name[0] == 'x' && needed == 2);
}

static void t_kcell_model_decision_bias(void) {
  float bias[CLASSES] = {77.f, 77.f};
  const float good[CLASSES] = {0.5f, -0.5f};
  size_t count = 77;
  INVALID(kcell_model_decision_bias(NULL, bias, CLASSES, &count));
  INVALID(kcell_model_decision_bias(g_model, bias, CLASSES, NULL));
  CHECK(kcell_model_set_decision_bias(g_model, good, CLASSES) == KCELL_OK);
  TOO_SMALL(kcell_model_decision_bias(g_model, bias, CLASSES - 1, &count));
  INVALID(kcell_model_decision_bias(g_model, NULL, CLASSES, &count));
  CHECK(bias[0] == 77.f);
  CHECK(kcell_model_decision_bias(g_model, bias, CLASSES, &count) == KCELL_OK && count == CLASSES &&
        bias[0] == 0.5f && bias[1] == -0.5f);
  CHECK(kcell_model_set_decision_bias(g_model, NULL, 0) == KCELL_OK);
  CHECK(kcell_model_decision_bias(g_model, NULL, 0, &count) == KCELL_OK && count == 0);
}

static void t_kcell_model_decision_rule(void) {
  const float good[CLASSES] = {0.5f, -0.5f};
  int32_t rule = 77;
  INVALID(kcell_model_decision_rule(NULL, &rule));
  INVALID(kcell_model_decision_rule(g_model, NULL));
  CHECK(rule == 77);
  CHECK(kcell_model_set_decision_bias(g_model, good, CLASSES) == KCELL_OK);
  CHECK(kcell_model_decision_rule(g_model, &rule) == KCELL_OK && rule == KCELL_DECISION_GIVEN);
  CHECK(kcell_model_set_decision_bias(g_model, NULL, 0) == KCELL_OK);
  CHECK(kcell_model_decision_rule(g_model, &rule) == KCELL_OK && rule == KCELL_DECISION_ARGMAX);
}

static void t_kcell_model_set_decision_bias(void) {
  const float bad[CLASSES] = {NAN, 0.f};
  const float good[CLASSES] = {0.f, 0.f};
  INVALID(kcell_model_set_decision_bias(NULL, good, CLASSES));
  INVALID(kcell_model_set_decision_bias(g_model, NULL, CLASSES));
  INVALID(kcell_model_set_decision_bias(g_model, good, CLASSES + 1));
  INVALID(kcell_model_set_decision_bias(g_model, bad, CLASSES));
}

static void t_kcell_model_tta(void) {
  int32_t tta = 77;
  INVALID(kcell_model_tta(NULL, &tta));
  INVALID(kcell_model_tta(g_model, NULL));
  CHECK(tta == 77);
  VALID(kcell_model_tta(g_model, &tta));
  CHECK(tta == KCELL_TTA_NONE);
}

static void t_kcell_model_task(void) {
  int32_t task = 77;
  INVALID(kcell_model_task(NULL, &task));
  INVALID(kcell_model_task(g_model, NULL));
  CHECK(task == 77);
  VALID(kcell_model_task(g_model, &task));
  CHECK(task == KCELL_TASK_MULTI_CLASS);
}

static void t_kcell_model_set_task(void) {
  int32_t task = 77;
  INVALID(kcell_model_set_task(NULL, KCELL_TASK_MULTI_LABEL));
  INVALID(kcell_model_set_task(g_model, -1));
  INVALID(kcell_model_set_task(g_model, KCELL_TASK_MULTI_LABEL + 1));
  CHECK(kcell_model_task(g_model, &task) == KCELL_OK && task == KCELL_TASK_MULTI_CLASS);
  VALID(kcell_model_set_task(g_model, KCELL_TASK_MULTI_LABEL));
  /* Training a multi-label model on multi-class data is refused, naming both. */
  INVALID(kcell_train(g_model, g_data, NULL, NULL, NULL));
  CHECK(strstr(kcell_last_error(), "multi-class") != NULL);
  VALID(kcell_model_set_task(g_model, KCELL_TASK_MULTI_CLASS));
}

static void t_kcell_model_set_tta(void) {
  kcell_model* oblong = NULL;
  int32_t tta = 77;
  INVALID(kcell_model_set_tta(NULL, KCELL_TTA_FLIPS));
  INVALID(kcell_model_set_tta(g_model, -1));
  INVALID(kcell_model_set_tta(g_model, KCELL_TTA_DIHEDRAL + 1));
  CHECK(kcell_model_tta(g_model, &tta) == KCELL_OK && tta == KCELL_TTA_NONE);
  VALID(kcell_model_set_tta(g_model, KCELL_TTA_DIHEDRAL));
  VALID(kcell_model_set_tta(g_model, KCELL_TTA_NONE));
  /* Quarter turns need square images. */
  CHECK(kcell_model_create("flatten dense", 1, SIDE, SIDE + 1, CLASSES, 1, &oblong) == KCELL_OK);
  INVALID(kcell_model_set_tta(oblong, KCELL_TTA_DIHEDRAL));
  CHECK(strstr(kcell_last_error(), "square") != NULL);
  VALID(kcell_model_set_tta(oblong, KCELL_TTA_FLIPS4));
  kcell_model_free(oblong);
}

static void t_kcell_predict(void) {
  float probabilities[CLASSES] = {77.f, 77.f};
  INVALID(kcell_predict(NULL, g_pixels(), 1, KCELL_LAYOUT_NCHW, probabilities, CLASSES));
  INVALID(kcell_predict(g_model, NULL, 1, KCELL_LAYOUT_NCHW, probabilities, CLASSES));
  INVALID(kcell_predict(g_model, g_pixels(), 1, (kcell_layout)2, probabilities, CLASSES));
  INVALID(kcell_predict(g_model, g_pixels(), 1, (kcell_layout)-1, probabilities, CLASSES));
  INVALID(kcell_predict(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, NULL, CLASSES));
  TOO_SMALL(kcell_predict(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, probabilities, 1));
  TOO_SMALL(kcell_predict(g_model, g_pixels(), (size_t)-1 / 2 + 1, KCELL_LAYOUT_NCHW, probabilities,
                          CLASSES));
  CHECK(probabilities[0] == 77.f && probabilities[1] == 77.f);
  VALID(kcell_predict(g_model, NULL, 0, KCELL_LAYOUT_NCHW, NULL, 0));
}

static void t_kcell_predict_normalized(void) {
  float images[PIXELS] = {0};
  float probabilities[CLASSES] = {77.f, 77.f};
  INVALID(kcell_predict_normalized(NULL, images, 1, probabilities, CLASSES));
  INVALID(kcell_predict_normalized(g_model, NULL, 1, probabilities, CLASSES));
  INVALID(kcell_predict_normalized(g_model, images, 1, NULL, CLASSES));
  TOO_SMALL(kcell_predict_normalized(g_model, images, 1, probabilities, 1));
  CHECK(probabilities[0] == 77.f && probabilities[1] == 77.f);
  VALID(kcell_predict_normalized(g_model, NULL, 0, NULL, 0));
}

static void t_kcell_model_set_inference_precision(void) {
  INVALID(kcell_model_set_inference_precision(NULL, KCELL_PRECISION_FP32));
  INVALID(kcell_model_set_inference_precision(g_model, (kcell_precision)99));
  INVALID(kcell_model_set_inference_precision(g_model, (kcell_precision)-1));
  /* int8 before any calibration */
  INVALID(kcell_model_set_inference_precision(g_model, KCELL_PRECISION_INT8));
}

static void t_kcell_model_calibrate_int8(void) {
  INVALID(kcell_model_calibrate_int8(NULL, g_data, KCELL_SPLIT_TRAIN, 0));
  INVALID(kcell_model_calibrate_int8(g_model, NULL, KCELL_SPLIT_TRAIN, 0));
  INVALID(kcell_model_calibrate_int8(g_model, g_data, (kcell_split)3, 0));
  INVALID(kcell_model_calibrate_int8(g_model, g_data, (kcell_split)-1, 0));
  INVALID(kcell_model_set_inference_precision(g_model, KCELL_PRECISION_INT8));
}

static void t_kcell_model_ensemble_create(void) {
  const kcell_model* models[2] = {NULL, NULL};
  kcell_model* out = (kcell_model*)&out;
  models[0] = g_model;
  INVALID(kcell_model_ensemble_create(models, 1, NULL));
  INVALID(kcell_model_ensemble_create(NULL, 1, &out));
  INVALID(kcell_model_ensemble_create(models, 0, &out));
  INVALID(kcell_model_ensemble_create(models, 2, &out)); /* models[1] is NULL */
  CHECK(out == (kcell_model*)&out);
}

static void t_kcell_model_member_count(void) {
  size_t count = 77;
  INVALID(kcell_model_member_count(NULL, &count));
  INVALID(kcell_model_member_count(g_model, NULL));
  CHECK(count == 77);
  CHECK(kcell_model_member_count(g_model, &count) == KCELL_OK && count == 1);
}

static void t_kcell_write_file(void) {
  const char bytes[2] = {'o', 'k'};
  INVALID(kcell_write_file(NULL, bytes, sizeof bytes));
  INVALID(kcell_write_file("c_api_invalid_arguments.bin", NULL, sizeof bytes));
  INVALID(kcell_write_file("", bytes, sizeof bytes));
  expect_status(kcell_write_file("no-such-folder-kcell/x.bin", bytes, sizeof bytes), KCELL_ERROR_IO,
                "write_file into a missing folder", __LINE__);
  VALID(kcell_write_file("c_api_invalid_arguments.bin", NULL, 0));
}

static void t_kcell_check_output(void) {
  const char* inputs[2] = {NULL, "c_api_invalid_arguments.out"};
  INVALID(kcell_check_output(NULL, NULL, 0));
  INVALID(kcell_check_output("", NULL, 0));
  INVALID(kcell_check_output("c_api_invalid_arguments.out", NULL, 1));
  INVALID(kcell_check_output("c_api_invalid_arguments.out", inputs, 2)); /* output = input */
  expect_status(kcell_check_output("no-such-folder-kcell/x.out", NULL, 0), KCELL_ERROR_IO,
                "check_output in a missing folder", __LINE__);
  VALID(kcell_check_output("c_api_invalid_arguments.out", inputs, 1)); /* NULL skipped */
}

static void t_kcell_calibration_metrics(void) {
  const float probabilities[4] = {0.9f, 0.1f, 0.2f, 0.8f};
  const float not_finite[4] = {NAN, 0.1f, 0.2f, 0.8f};
  const int32_t labels[2] = {0, 1}, bad_labels[2] = {0, 2};
  kcell_calibration c;
  c.struct_size = sizeof c;
  INVALID(kcell_calibration_metrics(NULL, labels, 2, CLASSES, &c));
  INVALID(kcell_calibration_metrics(probabilities, NULL, 2, CLASSES, &c));
  INVALID(kcell_calibration_metrics(probabilities, labels, 0, CLASSES, &c));
  INVALID(kcell_calibration_metrics(probabilities, labels, 2, 1, &c));
  INVALID(kcell_calibration_metrics(probabilities, bad_labels, 2, CLASSES, &c));
  INVALID(kcell_calibration_metrics(probabilities, labels, 2, CLASSES, NULL));
  expect_status(kcell_calibration_metrics(not_finite, labels, 2, CLASSES, &c),
                KCELL_ERROR_NOT_FINITE, "calibration metrics of a NaN", __LINE__);
  VALID(kcell_calibration_metrics(probabilities, labels, 2, CLASSES, &c));
}

static void t_kcell_evaluate_calibration(void) {
  kcell_calibration c;
  double coverage[CLASSES];
  c.struct_size = sizeof c;
  INVALID(kcell_evaluate_calibration(NULL, g_data, KCELL_SPLIT_VAL, &c, NULL, 0));
  INVALID(kcell_evaluate_calibration(g_model, NULL, KCELL_SPLIT_VAL, &c, NULL, 0));
  INVALID(kcell_evaluate_calibration(g_model, g_data, (kcell_split)3, &c, NULL, 0));
  INVALID(kcell_evaluate_calibration(g_model, g_data, KCELL_SPLIT_VAL, NULL, NULL, 0));
  TOO_SMALL(kcell_evaluate_calibration(g_model, g_data, KCELL_SPLIT_VAL, &c, coverage, 1));
}

static void t_kcell_evaluate_full(void) {
  kcell_metrics m;
  kcell_class_metrics per_class[CLASSES];
  uint64_t confusion[CLASSES * CLASSES];
  kcell_calibration c;
  double coverage[CLASSES];
  m.struct_size = sizeof m;
  c.struct_size = sizeof c;
  m.count = 77;
  INVALID(kcell_evaluate_full(NULL, g_data, KCELL_SPLIT_VAL, &m, NULL, 0, NULL, 0, &c, NULL, 0));
  INVALID(kcell_evaluate_full(g_model, NULL, KCELL_SPLIT_VAL, &m, NULL, 0, NULL, 0, &c, NULL, 0));
  INVALID(kcell_evaluate_full(g_model, g_data, (kcell_split)5, &m, NULL, 0, NULL, 0, &c, NULL, 0));
  INVALID(
      kcell_evaluate_full(g_model, g_data, KCELL_SPLIT_VAL, NULL, NULL, 0, NULL, 0, &c, NULL, 0));
  TOO_SMALL(kcell_evaluate_full(g_model, g_data, KCELL_SPLIT_VAL, &m, per_class, 1, NULL, 0, &c,
                                NULL, 0));
  TOO_SMALL(kcell_evaluate_full(g_model, g_data, KCELL_SPLIT_VAL, &m, NULL, 0, confusion, 3, &c,
                                NULL, 0));
  TOO_SMALL(
      kcell_evaluate_full(g_model, g_data, KCELL_SPLIT_VAL, &m, NULL, 0, NULL, 0, &c, coverage, 1));
  c.struct_size = 1;
  INVALID(kcell_evaluate_full(g_model, g_data, KCELL_SPLIT_VAL, &m, NULL, 0, NULL, 0, &c, NULL, 0));
  CHECK(m.count == 77); /* nothing written when a check fails */
}

static void t_kcell_model_calibrate(void) {
  kcell_calibration_fit fit;
  fit.struct_size = sizeof fit;
  INVALID(kcell_model_calibrate(NULL, g_data, KCELL_SPLIT_VAL, 0.1, &fit));
  INVALID(kcell_model_calibrate(g_model, NULL, KCELL_SPLIT_VAL, 0.1, &fit));
  INVALID(kcell_model_calibrate(g_model, g_data, (kcell_split)3, 0.1, &fit));
  INVALID(kcell_model_calibrate(g_model, g_data, KCELL_SPLIT_VAL, -0.1, &fit));
  INVALID(kcell_model_calibrate(g_model, g_data, KCELL_SPLIT_VAL, 1.0, &fit));
  INVALID(kcell_model_calibrate(g_model, g_data, KCELL_SPLIT_VAL, NAN, &fit));
}

static void t_kcell_model_temperature(void) {
  double t = 77;
  INVALID(kcell_model_temperature(NULL, &t));
  INVALID(kcell_model_temperature(g_model, NULL));
  CHECK(t == 77);
  CHECK(kcell_model_temperature(g_model, &t) == KCELL_OK && t == 1.0);
}

static void t_kcell_model_set_temperature(void) {
  double t = 0;
  INVALID(kcell_model_set_temperature(NULL, 2.0));
  INVALID(kcell_model_set_temperature(g_model, 0.0));
  INVALID(kcell_model_set_temperature(g_model, -1.0));
  INVALID(kcell_model_set_temperature(g_model, 1000.0));
  INVALID(kcell_model_set_temperature(g_model, NAN));
  CHECK(kcell_model_temperature(g_model, &t) == KCELL_OK && t == 1.0);
}

static void t_kcell_model_conformal(void) {
  double alpha = 77, quantile = 77;
  INVALID(kcell_model_conformal(NULL, &alpha, &quantile));
  INVALID(kcell_model_conformal(g_model, NULL, &quantile));
  INVALID(kcell_model_conformal(g_model, &alpha, NULL));
  CHECK(kcell_model_conformal(g_model, &alpha, &quantile) == KCELL_OK && alpha == 0 &&
        isnan(quantile));
}

static void t_kcell_prediction_sets(void) {
  const float probabilities[CLASSES] = {0.9f, 0.1f};
  uint8_t in_set[CLASSES];
  INVALID(kcell_prediction_sets(NULL, probabilities, 1, in_set, sizeof in_set));
  /* Without a conformal calibration there are no sets to give. */
  INVALID(kcell_prediction_sets(g_model, probabilities, 1, in_set, sizeof in_set));
}

static void t_kcell_explain_options_init(void) {
  kcell_explain_options options;
  memset(&options, 0xab, sizeof options);
  INVALID(kcell_explain_options_init(NULL, sizeof options));
  INVALID(kcell_explain_options_init(&options, 0));
  INVALID(kcell_explain_options_init(&options, sizeof(size_t) - 1));
  CHECK(options.method == (int32_t)0xabababab); /* nothing written on failure */
  VALID(kcell_explain_options_default(&options));
  CHECK(options.method == KCELL_SALIENCY_GRADCAM && options.layer == -1);
}

static void t_kcell_explain(void) {
  float maps[PIXELS];
  int32_t classes[1] = {77};
  kcell_explain_options options, gradient;
  CHECK(kcell_explain_options_default(&options) == KCELL_OK);
  gradient = options;
  gradient.method = KCELL_SALIENCY_INPUT_GRADIENT;
  INVALID(kcell_explain(NULL, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &gradient, maps, PIXELS, NULL));
  INVALID(kcell_explain(g_model, NULL, 1, KCELL_LAYOUT_NCHW, -1, &gradient, maps, PIXELS, NULL));
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, (kcell_layout)2, -1, &gradient, maps, PIXELS, NULL));
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -2, &gradient, maps, PIXELS, NULL));
  INVALID(kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, CLASSES, &gradient, maps, PIXELS,
                        NULL));
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &gradient, NULL, PIXELS, NULL));
  TOO_SMALL(kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &gradient, maps,
                          PIXELS - 1, NULL));
  TOO_SMALL(kcell_explain(g_model, g_pixels(), (size_t)-1 / 2 + 1, KCELL_LAYOUT_NCHW, -1, &gradient,
                          maps, PIXELS, NULL));
  options.method = 2;
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &options, maps, PIXELS, NULL));
  options.method = KCELL_SALIENCY_GRADCAM;
  options.layer = -2;
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &options, maps, PIXELS, NULL));
  options.layer = 7; /* "flatten dense" has two layers */
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &options, maps, PIXELS, NULL));
  options.layer = 0; /* flatten: no feature maps */
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &options, maps, PIXELS, NULL));
  options.struct_size = 0;
  INVALID(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, &options, maps, PIXELS, NULL));
  CHECK(classes[0] == 77); /* nothing written on failure */
  /* No convolution for Grad-CAM. */
  expect_status(
      kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NCHW, -1, NULL, maps, PIXELS, classes),
      KCELL_ERROR_UNSUPPORTED, "Grad-CAM without a convolution", __LINE__);
  VALID(kcell_explain(g_model, NULL, 0, KCELL_LAYOUT_NCHW, -1, NULL, NULL, 0, NULL));
  VALID(kcell_explain(g_model, g_pixels(), 1, KCELL_LAYOUT_NHWC, 1, &gradient, maps, PIXELS,
                      classes));
  CHECK(classes[0] == 1);
}

/* ---- the table ------------------------------------------------------------------------ */

typedef struct entry {
  const char* name;
  void (*run)(void);
} entry;

#define ENTRY(fn) \
  { #fn, t_##fn }

static const entry table[] = {
    ENTRY(kcell_version),
    ENTRY(kcell_recommended_architecture),
    ENTRY(kcell_recommended_architecture_for),
    ENTRY(kcell_version_number),
    ENTRY(kcell_status_string),
    ENTRY(kcell_last_error),
    ENTRY(kcell_set_num_threads),
    ENTRY(kcell_open_options_init),
    ENTRY(kcell_dataset_open),
    ENTRY(kcell_dataset_create),
    ENTRY(kcell_dataset_free),
    ENTRY(kcell_dataset_count),
    ENTRY(kcell_dataset_shape),
    ENTRY(kcell_dataset_num_classes),
    ENTRY(kcell_dataset_class_histogram),
    ENTRY(kcell_dataset_image),
    ENTRY(kcell_dataset_class_name),
    ENTRY(kcell_dataset_save_npz),
    ENTRY(kcell_model_training_memory),
    ENTRY(kcell_dataset_task),
    ENTRY(kcell_dataset_labels),
    ENTRY(kcell_model_create),
    ENTRY(kcell_model_free),
    ENTRY(kcell_model_num_params),
    ENTRY(kcell_train_params_init),
    ENTRY(kcell_augmentation_init),
    ENTRY(kcell_history_create),
    ENTRY(kcell_history_free),
    ENTRY(kcell_history_count),
    ENTRY(kcell_history_epoch),
    ENTRY(kcell_history_best_epoch),
    ENTRY(kcell_train),
    ENTRY(kcell_evaluate),
    ENTRY(kcell_evaluate_details),
    ENTRY(kcell_model_save),
    ENTRY(kcell_model_export_onnx),
    ENTRY(kcell_model_save_to_memory),
    ENTRY(kcell_model_load),
    ENTRY(kcell_model_load_from_memory),
    ENTRY(kcell_free),
    ENTRY(kcell_model_get_info),
    ENTRY(kcell_model_architecture),
    ENTRY(kcell_model_summary),
    ENTRY(kcell_model_normalization),
    ENTRY(kcell_model_set_class_names),
    ENTRY(kcell_model_class_name),
    ENTRY(kcell_model_decision_bias),
    ENTRY(kcell_model_decision_rule),
    ENTRY(kcell_model_set_decision_bias),
    ENTRY(kcell_model_tta),
    ENTRY(kcell_model_set_tta),
    ENTRY(kcell_model_task),
    ENTRY(kcell_model_set_task),
    ENTRY(kcell_predict),
    ENTRY(kcell_predict_normalized),
    ENTRY(kcell_model_set_inference_precision),
    ENTRY(kcell_model_calibrate_int8),
    ENTRY(kcell_model_ensemble_create),
    ENTRY(kcell_model_member_count),
    ENTRY(kcell_write_file),
    ENTRY(kcell_check_output),
    ENTRY(kcell_calibration_metrics),
    ENTRY(kcell_evaluate_calibration),
    ENTRY(kcell_evaluate_full),
    ENTRY(kcell_model_calibrate),
    ENTRY(kcell_model_temperature),
    ENTRY(kcell_model_set_temperature),
    ENTRY(kcell_model_conformal),
    ENTRY(kcell_prediction_sets),
    ENTRY(kcell_explain_options_init),
    ENTRY(kcell_explain),
};
#define TABLE_SIZE (sizeof table / sizeof table[0])

static const entry* find_entry(const char* name) {
  size_t i;
  for (i = 0; i < TABLE_SIZE; ++i)
    if (strcmp(table[i].name, name) == 0) return &table[i];
  return NULL;
}

/* Reads the header and checks that every KCELL_API function has a table entry and every
 * entry a function. Returns the number of functions found. */
static size_t check_table_covers_header(void) {
  char line[1024];
  char seen[TABLE_SIZE];
  size_t found = 0, i;
  FILE* header = fopen(KCELL_HEADER, "r");
  memset(seen, 0, sizeof seen);
  if (header == NULL) {
    fprintf(stderr, "cannot open %s\n", KCELL_HEADER);
    ++failures;
    return 0;
  }
  while (fgets(line, sizeof line, header)) {
    const char* api = strstr(line, "KCELL_API ");
    const char *paren, *end, *start;
    char name[128];
    const entry* e;
    if (api == NULL || strstr(line, "#define") || strstr(line, "#") == line) continue;
    paren = strchr(api, '(');
    if (paren == NULL) {
      fprintf(stderr, "%s: cannot read the declaration: %s", KCELL_HEADER, line);
      ++failures;
      continue;
    }
    end = paren;
    while (end > api && end[-1] == ' ') --end;
    start = end;
    while (start > api && (start[-1] == '_' || (start[-1] >= 'a' && start[-1] <= 'z') ||
                           (start[-1] >= '0' && start[-1] <= '9')))
      --start;
    if (end - start <= 0 || (size_t)(end - start) >= sizeof name) continue;
    memcpy(name, start, (size_t)(end - start));
    name[end - start] = '\0';
    ++found;
    e = find_entry(name);
    if (e == NULL) {
      fprintf(stderr,
              "%s declares %s, which has no entry in the table of %s: add one that calls it "
              "with NULL and invalid arguments\n",
              KCELL_HEADER, name, __FILE__);
      ++failures;
    } else {
      seen[e - table] = 1;
    }
  }
  fclose(header);
  for (i = 0; i < TABLE_SIZE; ++i)
    if (!seen[i]) {
      fprintf(stderr, "the table has %s, which %s does not declare\n", table[i].name, KCELL_HEADER);
      ++failures;
    }
  return found;
}

int main(void) {
  kcell_split_buffers split;
  size_t i, functions;
  for (i = 0; i < sizeof g_images; ++i) g_images[i] = (uint8_t)(i * 37 % 251);
  for (i = 0; i < 8; ++i) g_labels[i] = (int32_t)(i % CLASSES);
  split.images = g_images;
  split.labels = g_labels;
  split.count = 8;
  CHECK(kcell_dataset_create(1, SIDE, SIDE, 0, &split, &split, &split, &g_data) == KCELL_OK);
  CHECK(kcell_model_create("flatten dense", 1, SIDE, SIDE, CLASSES, 1, &g_model) == KCELL_OK);
  CHECK(kcell_history_create(&g_history) == KCELL_OK);
  CHECK(kcell_model_save(g_model, g_model_path) == KCELL_OK);
  if (failures) return 1;

  functions = check_table_covers_header();
  for (i = 0; i < TABLE_SIZE; ++i) table[i].run();
  printf("%zu functions in kcell.h, %zu in the table, %d cases, %d failures\n", functions,
         (size_t)TABLE_SIZE, cases, failures);

  remove(g_model_path);
  kcell_history_free(g_history);
  kcell_model_free(g_model);
  kcell_dataset_free(g_data);
  return failures ? 1 : 0;
}
