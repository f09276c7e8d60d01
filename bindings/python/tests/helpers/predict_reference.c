/* The C side of test_predictions_match_c.py: loads a model file, predicts a batch of uint8
 * images with kcell_predict on one compute thread, and writes the probabilities as raw
 * native float32, so the test can compare them bit for bit with the Python bindings'.
 *
 * usage: predict_reference MODEL IMAGES COUNT nchw|nhwc OUTPUT
 *   IMAGES holds COUNT images of the model's input shape in the given layout. */
#include <kcell/kcell.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what) {
  fprintf(stderr, "%s failed: %s\n", what, kcell_last_error());
  return 1;
}

int main(int argc, char** argv) {
  kcell_model* model = NULL;
  kcell_model_info info;
  size_t count, image_bytes, read_bytes, n_probs;
  kcell_layout layout;
  unsigned char* images;
  float* probs;
  FILE* f;
  int status = 1;

  if (argc != 6) {
    fprintf(stderr, "usage: %s MODEL IMAGES COUNT nchw|nhwc OUTPUT\n", argv[0]);
    return 2;
  }
  count = (size_t)strtoul(argv[3], NULL, 10);
  layout = strcmp(argv[4], "nhwc") == 0 ? KCELL_LAYOUT_NHWC : KCELL_LAYOUT_NCHW;
  if (kcell_set_num_threads(1) != KCELL_OK) return fail("kcell_set_num_threads");
  if (kcell_model_load(argv[1], &model) != KCELL_OK) return fail("kcell_model_load");
  info.struct_size = sizeof info;
  if (kcell_model_get_info(model, &info) != KCELL_OK) return fail("kcell_model_get_info");

  image_bytes = count * (size_t)(info.channels * info.height * info.width);
  n_probs = count * (size_t)info.num_classes;
  images = malloc(image_bytes ? image_bytes : 1);
  probs = malloc(n_probs ? n_probs * sizeof *probs : 1);
  f = fopen(argv[2], "rb");
  if (!images || !probs || !f) {
    fprintf(stderr, "cannot read %s\n", argv[2]);
    goto done;
  }
  read_bytes = fread(images, 1, image_bytes, f);
  fclose(f);
  if (read_bytes != image_bytes) {
    fprintf(stderr, "%s has %zu bytes, expected %zu\n", argv[2], read_bytes, image_bytes);
    goto done;
  }
  if (kcell_predict(model, images, count, layout, probs, n_probs) != KCELL_OK) {
    fail("kcell_predict");
    goto done;
  }
  f = fopen(argv[5], "wb");
  if (!f || fwrite(probs, sizeof *probs, n_probs, f) != n_probs || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", argv[5]);
    goto done;
  }
  status = 0;
done:
  free(images);
  free(probs);
  kcell_model_free(model);
  return status;
}
