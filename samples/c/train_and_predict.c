/* kcell from C: open a dataset, train a few epochs, save the model, load it back and
 * predict the first test images.
 *
 *   train_and_predict DATA [EPOCHS] [MODEL_FILE]
 *
 * DATA is a MedMNIST .npz or an IDX folder; MODEL_FILE defaults to model.kcell.
 */
#include <kcell/kcell.h>
#include <stdio.h>
#include <stdlib.h>

/* Prints kcell's message for a failed call and returns 1. */
static int report(const char* what, kcell_status status) {
  fprintf(stderr, "%s: %s (%s)\n", what, kcell_last_error(), kcell_status_string(status));
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DATA [EPOCHS] [MODEL_FILE]\n", argv[0]);
    return 2;
  }
  const char* model_path = argc > 3 ? argv[3] : "model.kcell";
  kcell_dataset* data = NULL;
  kcell_model *model = NULL, *loaded = NULL;
  uint8_t* images = NULL;
  float* probs = NULL;
  int32_t* labels = NULL;
  kcell_status status;
  int rc = 1;

  if ((status = kcell_dataset_open(argv[1], NULL, &data)) != KCELL_OK)
    return report("open dataset", status);
  int channels, height, width, classes;
  kcell_dataset_shape(data, &channels, &height, &width);
  kcell_dataset_num_classes(data, &classes);

  if ((status = kcell_model_create("reference", channels, height, width, classes, 42, &model)))
    goto fail_create;

  kcell_train_params params;
  kcell_train_params_default(&params);
  params.epochs = argc > 2 ? atoi(argv[2]) : 2;
  if ((status = kcell_train(model, data, data, &params, NULL)) != KCELL_OK) goto fail_train;

  kcell_metrics test;
  test.struct_size = sizeof test;
  if ((status = kcell_evaluate(model, data, KCELL_SPLIT_TEST, &test)) != KCELL_OK) goto fail_train;
  printf("test accuracy %.4f on %zu images\n", test.accuracy, test.count);

  if ((status = kcell_model_save(model, model_path)) != KCELL_OK) goto fail_train;
  if ((status = kcell_model_load(model_path, &loaded)) != KCELL_OK) goto fail_train;

  /* Predict the first few test images with the loaded model. */
  size_t count = 0;
  kcell_dataset_count(data, KCELL_SPLIT_TEST, &count);
  if (count > 4) count = 4;
  const size_t image_bytes = (size_t)channels * height * width;
  images = malloc(count * image_bytes + 1);
  probs = malloc(count * (size_t)classes * sizeof *probs + 1);
  labels = malloc(count * sizeof *labels + 1);
  if (!images || !probs || !labels) {
    fprintf(stderr, "out of memory\n");
    goto done;
  }
  for (size_t i = 0; i < count; ++i)
    kcell_dataset_image(data, KCELL_SPLIT_TEST, i, images + i * image_bytes, image_bytes,
                        &labels[i]);
  status = kcell_predict(loaded, images, count, KCELL_LAYOUT_NCHW, probs, count * (size_t)classes);
  if (status != KCELL_OK) {
    report("predict", status);
    goto done;
  }
  for (size_t i = 0; i < count; ++i) {
    int best = 0;
    for (int k = 1; k < classes; ++k)
      if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    printf("test image %zu: label %d, predicted %d (p = %.3f)\n", i, (int)labels[i], best,
           probs[i * classes + best]);
  }
  rc = 0;
done:
  free(images);
  free(probs);
  free(labels);
  kcell_model_free(loaded);
  kcell_model_free(model);
  kcell_dataset_free(data);
  return rc;

fail_create:
  report("create model", status);
  kcell_dataset_free(data);
  return 1;
fail_train:
  report("train, evaluate, save or load", status);
  goto done;
}
