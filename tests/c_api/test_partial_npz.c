/* A .npz with only some of the three splits opens (labels (N,) or (N, 1)): the test split
 * alone evaluates and predicts, train and val alone train; what is absent is refused by
 * name when asked for. */
#include <kcell/kcell.h>

#include <stdio.h>
#include <string.h>
#include "check.h"

static void fixture_path(char* out, size_t size, const char* name) {
  snprintf(out, size, "%s/data/%s", KCELL_FIXTURES_DIR, name);
}

static kcell_model* small_model(const kcell_dataset* d) {
  int channels = 0, height = 0, width = 0, classes = 0;
  kcell_model* m = NULL;
  CHECK(kcell_dataset_shape(d, &channels, &height, &width) == KCELL_OK);
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK);
  CHECK(kcell_model_create("flatten dense", channels, height, width, classes, 7, &m) == KCELL_OK);
  return m;
}

static void test_only_the_test_split_evaluates_and_predicts(void) {
  char path[1024];
  kcell_dataset* d = NULL;
  kcell_model* m = NULL;
  kcell_train_params params;
  kcell_metrics metrics;
  size_t count = 99;
  int classes = 0;
  unsigned char pixels[6 * 5];
  float probabilities[3];
  int32_t label = -1;

  fixture_path(path, sizeof path, "medmnist_test_only.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_OK);
  if (d == NULL) {
    fprintf(stderr, "%s\n", kcell_last_error());
    return;
  }
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TRAIN, &count) == KCELL_OK && count == 0);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_VAL, &count) == KCELL_OK && count == 0);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TEST, &count) == KCELL_OK && count == 6);
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK && classes == 3);
  m = small_model(d);

  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(m, d, KCELL_SPLIT_TEST, &metrics) == KCELL_OK && metrics.count == 6);
  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TEST, 1, pixels, sizeof pixels, &label) == KCELL_OK);
  CHECK(label == (1 + 2) % 3);
  CHECK(kcell_predict(m, pixels, 1, KCELL_LAYOUT_NCHW, probabilities, 3) == KCELL_OK);

  CHECK(kcell_evaluate(m, d, KCELL_SPLIT_VAL, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "validation split") != NULL);
  kcell_train_params_default(&params);
  params.epochs = 1;
  CHECK(kcell_train(m, d, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "training split") != NULL);
  kcell_model_free(m);
  kcell_dataset_free(d);
}

static void test_train_and_val_without_test_train(void) {
  char path[1024];
  kcell_dataset* d = NULL;
  kcell_model* m = NULL;
  kcell_train_params params;
  kcell_metrics metrics;
  size_t count = 99;

  fixture_path(path, sizeof path, "medmnist_train_val.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_OK);
  if (d == NULL) {
    fprintf(stderr, "%s\n", kcell_last_error());
    return;
  }
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TRAIN, &count) == KCELL_OK && count == 12);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_VAL, &count) == KCELL_OK && count == 4);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TEST, &count) == KCELL_OK && count == 0);
  m = small_model(d);
  kcell_train_params_default(&params);
  params.epochs = 1;
  params.batch_size = 4;
  params.num_threads = 1;
  CHECK(kcell_train(m, d, d, &params, NULL) == KCELL_OK);
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(m, d, KCELL_SPLIT_VAL, &metrics) == KCELL_OK && metrics.count == 4);
  CHECK(kcell_evaluate(m, d, KCELL_SPLIT_TEST, &metrics) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "test split") != NULL);
  kcell_model_free(m);
  kcell_dataset_free(d);
}

static void test_a_split_without_its_labels_is_still_refused(void) {
  char path[1024];
  kcell_dataset* d = NULL;
  fixture_path(path, sizeof path, "missing_split.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_ERROR_FORMAT);
  CHECK(strstr(kcell_last_error(), "missing member val_labels.npy") != NULL);
  CHECK(strstr(kcell_last_error(), "images but no labels") != NULL);
  CHECK(d == NULL);
}

int main(void) {
  test_only_the_test_split_evaluates_and_predicts();
  test_train_and_val_without_test_train();
  test_a_split_without_its_labels_is_still_refused();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  return 0;
}
