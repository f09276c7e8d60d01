/* The dataset API from plain C99: open a fixture, query it, build one from buffers, and
 * check NULL arguments, bad files and small buffers fail cleanly with a message. */
#include <kcell/kcell.h>

#include <stdio.h>
#include <string.h>
#include "check.h"

/* The formula tests/fixtures/data/make_fixtures.py writes pixels with. */
static unsigned char fixture_pixel(int split, int n, int y, int x, int c) {
  return (unsigned char)((50 * split + 7 * n + 5 * y + 3 * x + 40 * c) % 256);
}

static void fixture_path(char* out, size_t size, const char* name) {
  snprintf(out, size, "%s/data/%s", KCELL_FIXTURES_DIR, name);
}

static void test_open_and_query(void) {
  char path[1024];
  kcell_dataset* d = NULL;
  size_t count = 0;
  int channels = 0, height = 0, width = 0, classes = 0;
  size_t histogram[3] = {0, 0, 0};
  unsigned char pixels[3 * 6 * 5];
  int32_t label = -7;
  int c, y, x, ok = 1;

  fixture_path(path, sizeof path, "medmnist_rgb.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_OK);
  if (d == NULL) return;
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TRAIN, &count) == KCELL_OK && count == 12);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_VAL, &count) == KCELL_OK && count == 4);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TEST, &count) == KCELL_OK && count == 6);
  CHECK(kcell_dataset_shape(d, &channels, &height, &width) == KCELL_OK);
  CHECK(channels == 3 && height == 6 && width == 5);
  CHECK(kcell_dataset_shape(d, NULL, NULL, &width) == KCELL_OK && width == 5);
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK && classes == 3);
  CHECK(kcell_dataset_class_histogram(d, KCELL_SPLIT_VAL, histogram, 3) == KCELL_OK);
  /* val labels are (n + 1) % 3 for n = 0..3: classes 1, 2, 0, 1 */
  CHECK(histogram[0] == 1 && histogram[1] == 2 && histogram[2] == 1);
  CHECK(kcell_dataset_class_histogram(d, KCELL_SPLIT_VAL, histogram, 2) ==
        KCELL_ERROR_BUFFER_TOO_SMALL);
  CHECK(strstr(kcell_last_error(), "3 classes") != NULL);

  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TEST, 5, pixels, sizeof pixels, &label) == KCELL_OK);
  CHECK(label == (5 + 2) % 3);
  for (c = 0; c < 3; ++c)
    for (y = 0; y < 6; ++y)
      for (x = 0; x < 5; ++x)
        if (pixels[(c * 6 + y) * 5 + x] != fixture_pixel(2, 5, y, x, c)) ok = 0;
  CHECK(ok);
  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TEST, 0, NULL, 0, &label) == KCELL_OK && label == 2);
  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TEST, 6, pixels, sizeof pixels, &label) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "out of range") != NULL);
  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TEST, 0, pixels, sizeof pixels - 1, &label) ==
        KCELL_ERROR_BUFFER_TOO_SMALL);
  CHECK(kcell_dataset_count(d, (kcell_split)3, &count) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_count(d, (kcell_split)42, &count) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_image(d, (kcell_split)-1, 0, NULL, 0, &label) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  kcell_dataset_free(d);
}

static void test_options(void) {
  char path[1024];
  kcell_open_options options;
  kcell_dataset* d = NULL;
  int classes = 0;
  size_t count = 0;
  /* What a caller built against an older header with fewer fields would pass. */
  struct older_options {
    size_t struct_size;
    int32_t num_classes;
  } older;

  CHECK(kcell_open_options_default(&options) == KCELL_OK);
  CHECK(options.struct_size == sizeof options);
  CHECK(options.num_classes == 0);
  CHECK(options.val_fraction > 0.0833 && options.val_fraction < 0.0834);
  CHECK(options.max_bytes == (uint64_t)8 << 30);
  CHECK(options.max_files == 500000);

  fixture_path(path, sizeof path, "idx_gz");
  options.val_fraction = 0.25;
  options.num_classes = 7;
  CHECK(kcell_dataset_open(path, &options, &d) == KCELL_OK);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_VAL, &count) == KCELL_OK && count == 6);
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK && classes == 7);
  kcell_dataset_free(d);
  d = NULL;

  older.struct_size = sizeof older;
  older.num_classes = 5;
  CHECK(kcell_dataset_open(path, (const kcell_open_options*)(const void*)&older, &d) == KCELL_OK);
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK && classes == 5);
  /* val_fraction was not in the older struct: the default 1/12 applies. */
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_VAL, &count) == KCELL_OK && count == 2);
  kcell_dataset_free(d);
  d = NULL;

  options.struct_size = 0;
  CHECK(kcell_dataset_open(path, &options, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "struct_size") != NULL);
  CHECK(kcell_open_options_default(&options) == KCELL_OK);
  options.max_bytes = 10;
  CHECK(kcell_dataset_open(path, &options, &d) == KCELL_ERROR_LIMIT);
  CHECK(strstr(kcell_last_error(), "max_bytes") != NULL);
  CHECK(d == NULL);
}

static void test_bad_files(void) {
  char path[1024];
  kcell_dataset* d = NULL;
  fixture_path(path, sizeof path, "negative_label.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_ERROR_FORMAT);
  CHECK(strstr(kcell_last_error(), "test_labels.npy") != NULL);
  CHECK(strstr(kcell_last_error(), "negative label") != NULL);
  CHECK(d == NULL);
  fixture_path(path, sizeof path, "missing_split.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_ERROR_FORMAT);
  CHECK(strstr(kcell_last_error(), "val_labels") != NULL);
  fixture_path(path, sizeof path, "does_not_exist.npz");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_ERROR_IO);
  CHECK(strstr(kcell_last_error(), "does_not_exist.npz") != NULL);
  CHECK(d == NULL);
}

static void test_unlabelled_stack(void) {
  char path[1024];
  kcell_dataset* d = NULL;
  int classes = -1;
  int32_t label = 0;
  size_t count = 0;
  fixture_path(path, sizeof path, "stack_v3.npy");
  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_OK);
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK && classes == 0);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TEST, &count) == KCELL_OK && count == 6);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TRAIN, &count) == KCELL_OK && count == 0);
  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TEST, 1, NULL, 0, &label) == KCELL_OK && label == -1);
  CHECK(kcell_dataset_class_histogram(d, KCELL_SPLIT_TEST, NULL, 0) == KCELL_OK);
  kcell_dataset_free(d);
}

static void test_create(void) {
  unsigned char images[4 * 2 * 2];
  int32_t labels[4] = {0, 3, 1, 3};
  int32_t bad_labels[4] = {0, -1, 1, 3};
  kcell_split_buffers train, test;
  kcell_dataset* d = NULL;
  unsigned char pixels[4];
  int32_t label = -1;
  size_t histogram[4], count = 0;
  int classes = 0, i;
  for (i = 0; i < 16; ++i) images[i] = (unsigned char)(i * 3);
  train.images = images;
  train.labels = labels;
  train.count = 4;
  test.images = images;
  test.labels = labels;
  test.count = 2;

  CHECK(kcell_dataset_create(1, 2, 2, 0, &train, NULL, &test, &d) == KCELL_OK);
  images[4] = 99; /* the dataset holds its own copy */
  CHECK(kcell_dataset_num_classes(d, &classes) == KCELL_OK && classes == 4);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_VAL, &count) == KCELL_OK && count == 0);
  CHECK(kcell_dataset_image(d, KCELL_SPLIT_TRAIN, 1, pixels, sizeof pixels, &label) == KCELL_OK);
  CHECK(pixels[0] == 12 && pixels[3] == 21 && label == 3);
  CHECK(kcell_dataset_class_histogram(d, KCELL_SPLIT_TRAIN, histogram, 4) == KCELL_OK);
  CHECK(histogram[0] == 1 && histogram[1] == 1 && histogram[2] == 0 && histogram[3] == 2);
  kcell_dataset_free(d);
  d = NULL;

  train.labels = bad_labels;
  CHECK(kcell_dataset_create(1, 2, 2, 0, &train, NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "label -1") != NULL);
  train.labels = labels;
  CHECK(kcell_dataset_create(1, 2, 2, 3, &train, NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "class count 3") != NULL);
  CHECK(kcell_dataset_create(2, 2, 2, 0, &train, NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_create(1, 0, 2, 0, &train, NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_create(1, 2, 2, 0, NULL, NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  train.images = NULL;
  CHECK(kcell_dataset_create(1, 2, 2, 0, &train, NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "train.images") != NULL);
  CHECK(d == NULL);
}

static void test_null_arguments(void) {
  kcell_dataset* d = NULL;
  size_t count = 0;
  int value = 0;
  char path[1024];
  fixture_path(path, sizeof path, "medmnist_compressed.npz");
  CHECK(kcell_open_options_default(NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_open(NULL, NULL, &d) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "path") != NULL);
  CHECK(kcell_dataset_open(path, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_create(1, 1, 1, 0, NULL, NULL, NULL, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_count(NULL, KCELL_SPLIT_TRAIN, &count) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_shape(NULL, &value, &value, &value) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_num_classes(NULL, &value) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_class_histogram(NULL, KCELL_SPLIT_TRAIN, NULL, 0) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_image(NULL, KCELL_SPLIT_TRAIN, 0, NULL, 0, NULL) ==
        KCELL_ERROR_INVALID_ARGUMENT);

  CHECK(kcell_dataset_open(path, NULL, &d) == KCELL_OK);
  CHECK(kcell_dataset_count(d, KCELL_SPLIT_TRAIN, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_num_classes(d, NULL) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_dataset_class_histogram(d, KCELL_SPLIT_TRAIN, NULL, 3) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "counts") != NULL);
  kcell_dataset_free(d);
  kcell_dataset_free(NULL);
}

int main(void) {
  test_open_and_query();
  test_options();
  test_bad_files();
  test_unlabelled_stack();
  test_create();
  test_null_arguments();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  return 0;
}
