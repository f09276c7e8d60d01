/* Acceptance: a model trained on Fashion-MNIST and saved, then loaded in a separate
 * process, evaluates to exactly the same test accuracy and loss.
 *
 * Run without arguments, it trains a small CNN on the first training images of Debian's
 * dataset-fashion-mnist, evaluates the first test images, saves the model and runs itself
 * again as `PROGRAM load MODEL ACCURACY LOSS` (a new process), which loads the file,
 * evaluates the same images and compares. */
#define _POSIX_C_SOURCE 200809L
#include <kcell/kcell.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FASHION "/usr/share/datasets/fashion-mnist"
#define N_TRAIN 3000
#define N_TEST 1000
#define PIXELS (28 * 28)
#define MODEL_PATH "c_api_fashion_model.kcell"

static int fail(const char* what) {
  fprintf(stderr, "%s failed: %s\n", what, kcell_last_error());
  return 1;
}

/* The first N_TRAIN training and N_TEST test images, as a dataset of their own. */
static kcell_dataset* fashion_subset(void) {
  static uint8_t images[(N_TRAIN + N_TEST) * PIXELS];
  static int32_t labels[N_TRAIN + N_TEST];
  kcell_dataset *full = NULL, *subset = NULL;
  kcell_split_buffers train, test;
  size_t i;
  kcell_status s = kcell_dataset_open(FASHION, NULL, &full);
  if (s != KCELL_OK) {
    fail("kcell_dataset_open (install Debian's dataset-fashion-mnist)");
    return NULL;
  }
  for (i = 0; i < N_TRAIN + N_TEST && s == KCELL_OK; ++i)
    s = kcell_dataset_image(full, i < N_TRAIN ? KCELL_SPLIT_TRAIN : KCELL_SPLIT_TEST,
                            i < N_TRAIN ? i : i - N_TRAIN, images + i * PIXELS, PIXELS, &labels[i]);
  kcell_dataset_free(full);
  if (s != KCELL_OK) {
    fail("kcell_dataset_image");
    return NULL;
  }
  train.images = images;
  train.labels = labels;
  train.count = N_TRAIN;
  test.images = images + N_TRAIN * PIXELS;
  test.labels = labels + N_TRAIN;
  test.count = N_TEST;
  if (kcell_dataset_create(1, 28, 28, 10, &train, NULL, &test, &subset) != KCELL_OK)
    fail("kcell_dataset_create");
  return subset;
}

static int evaluate(kcell_model* model, kcell_metrics* metrics) {
  kcell_dataset* data = fashion_subset();
  kcell_status s;
  if (!data) return 1;
  memset(metrics, 0, sizeof *metrics);
  metrics->struct_size = sizeof *metrics;
  s = kcell_evaluate(model, data, KCELL_SPLIT_TEST, metrics);
  kcell_dataset_free(data);
  return s == KCELL_OK ? 0 : fail("kcell_evaluate");
}

/* The second process: load, evaluate, compare with what the first one measured. */
static int load_and_compare(const char* path, const char* accuracy, const char* loss) {
  kcell_model* model = NULL;
  kcell_metrics metrics;
  double want_accuracy = strtod(accuracy, NULL), want_loss = strtod(loss, NULL);
  if (kcell_model_load(path, &model) != KCELL_OK) return fail("kcell_model_load");
  if (evaluate(model, &metrics)) return 1;
  kcell_model_free(model);
  printf("loaded in process %ld: accuracy %.4f loss %.6f\n", (long)getpid(), metrics.accuracy,
         metrics.loss);
  if (metrics.accuracy != want_accuracy || metrics.loss != want_loss) {
    fprintf(stderr, "mismatch: saved model gave accuracy %a loss %a, loaded %a %a\n", want_accuracy,
            want_loss, metrics.accuracy, metrics.loss);
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  kcell_dataset* train;
  kcell_model* model = NULL;
  kcell_train_params params;
  kcell_metrics metrics;
  char accuracy[64], loss[64];
  pid_t child;
  int status = 0;

  if (argc == 5 && strcmp(argv[1], "load") == 0) return load_and_compare(argv[2], argv[3], argv[4]);

  train = fashion_subset();
  if (!train) return 1;
  if (kcell_model_create("conv(8,3) bn relu maxpool(2) conv(16,3) bn relu maxpool(2) "
                         "flatten dense",
                         1, 28, 28, 10, 1u, &model) != KCELL_OK)
    return fail("kcell_model_create");
  kcell_train_params_default(&params);
  params.epochs = 1;
  params.batch_size = 64;
  /* Clothes have an orientation: none of the default flips and quarter turns. */
  params.augmentation = NULL;
  if (kcell_train(model, train, NULL, &params, NULL) != KCELL_OK) return fail("kcell_train");
  kcell_dataset_free(train);
  if (evaluate(model, &metrics)) return 1;
  printf("trained in process %ld: accuracy %.4f loss %.6f\n", (long)getpid(), metrics.accuracy,
         metrics.loss);
  if (metrics.accuracy < 0.6) {
    fprintf(stderr, "the model did not learn (accuracy %.3f)\n", metrics.accuracy);
    return 1;
  }
  if (kcell_model_save(model, MODEL_PATH) != KCELL_OK) return fail("kcell_model_save");
  kcell_model_free(model);

  /* %a round-trips a double exactly through text. */
  snprintf(accuracy, sizeof accuracy, "%a", metrics.accuracy);
  snprintf(loss, sizeof loss, "%a", metrics.loss);
  fflush(stdout);
  child = fork();
  if (child < 0) return fail("fork");
  if (child == 0) {
    char* args[6];
    args[0] = argv[0];
    args[1] = (char*)"load";
    args[2] = (char*)MODEL_PATH;
    args[3] = accuracy;
    args[4] = loss;
    args[5] = NULL;
    execv(argv[0], args);
    _exit(127);
  }
  if (waitpid(child, &status, 0) != child) return fail("waitpid");
  remove(MODEL_PATH);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
