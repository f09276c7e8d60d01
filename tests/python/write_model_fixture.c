/* Writes what tests/python/test_model_file_numpy.py checks, into the folder argv[1]:
 *   model.kcell  a small trained model with class names, through kcell_model_save()
 *   images.u8    N_IMAGES 1×8×8 uint8 images (N×C×H×W)
 *   probs.f32    kcell_predict()'s probabilities for them, little-endian float32 N×3
 * so that numpy can recompute the forward pass from the file's arrays alone. */
#include <kcell/kcell.h>
#include <stdio.h>
#include <string.h>

#define SIDE 8
#define PIXELS (SIDE * SIDE)
#define N_TRAIN 90
#define N_IMAGES 12
#define CLASSES 3

static int write_file(const char* folder, const char* name, const void* data, size_t size) {
  char path[4096];
  FILE* f;
  size_t written;
  snprintf(path, sizeof path, "%s/%s", folder, name);
  f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    return 0;
  }
  written = fwrite(data, 1, size, f);
  return fclose(f) == 0 && written == size;
}

static int fail(const char* what) {
  fprintf(stderr, "%s failed: %s\n", what, kcell_last_error());
  return 1;
}

int main(int argc, char** argv) {
  static uint8_t images[N_TRAIN * PIXELS];
  static int32_t labels[N_TRAIN];
  static float probs[N_IMAGES * CLASSES];
  const char* names[CLASSES] = {"dark", "grey", "bright"};
  char path[4096];
  unsigned state = 12345u;
  size_t i, p;
  kcell_split_buffers train;
  kcell_dataset* data = NULL;
  kcell_model* model = NULL;
  kcell_train_params params;

  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTPUT_FOLDER\n", argv[0]);
    return 2;
  }
  for (i = 0; i < N_TRAIN; ++i) {
    labels[i] = (int32_t)(i % CLASSES);
    for (p = 0; p < PIXELS; ++p) {
      state = state * 1103515245u + 12345u;
      images[i * PIXELS + p] = (uint8_t)(labels[i] * 70 + (state >> 16) % 100);
    }
  }
  train.images = images;
  train.labels = labels;
  train.count = N_TRAIN;
  if (kcell_dataset_create(1, SIDE, SIDE, CLASSES, &train, NULL, NULL, &data) != KCELL_OK)
    return fail("kcell_dataset_create");
  if (kcell_model_create("conv(4,3) bn relu maxpool(2) flatten dense(6) relu dense", 1, SIDE, SIDE,
                         CLASSES, 11u, &model) != KCELL_OK)
    return fail("kcell_model_create");
  if (kcell_model_set_class_names(model, names, CLASSES) != KCELL_OK)
    return fail("kcell_model_set_class_names");
  kcell_train_params_default(&params);
  params.epochs = 2;
  params.batch_size = 16;
  params.learning_rate = 0.01;
  params.num_threads = 1;
  if (kcell_train(model, data, NULL, &params, NULL) != KCELL_OK) return fail("kcell_train");
  if (kcell_predict(model, images, N_IMAGES, KCELL_LAYOUT_NCHW, probs, N_IMAGES * CLASSES) !=
      KCELL_OK)
    return fail("kcell_predict");
  snprintf(path, sizeof path, "%s/model.kcell", argv[1]);
  if (kcell_model_save(model, path) != KCELL_OK) return fail("kcell_model_save");
  if (!write_file(argv[1], "images.u8", images, N_IMAGES * PIXELS) ||
      !write_file(argv[1], "probs.f32", probs, sizeof probs))
    return 1;
  kcell_model_free(model);
  kcell_dataset_free(data);
  return 0;
}
