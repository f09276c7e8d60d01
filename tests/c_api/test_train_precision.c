/* Training precision from C99: bf16 is refused with KCELL_ERROR_UNSUPPORTED on a CPU
 * without AVX-512 BF16 (here: any CPU, by capping oneDNN's ISA with DNNL_MAX_CPU_ISA before
 * its first use) and the model stays trainable in fp32, which the default automatic
 * precision then picks; int8 is refused for training
 * everywhere and an unknown precision is an invalid argument. */
#define _POSIX_C_SOURCE 200112L /* setenv */

#include <kcell/kcell.h>

#include <stdlib.h>
#include <string.h>
#include "check.h"

#define SIDE 8
#define PIXELS (SIDE * SIDE)
#define COUNT 32

int main(void) {
  static uint8_t images[COUNT * PIXELS];
  static int32_t labels[COUNT];
  kcell_split_buffers train;
  kcell_dataset* data = NULL;
  kcell_model* model = NULL;
  kcell_model_info info;
  kcell_train_params params;
  size_t i;

  /* Read by oneDNN when it first detects the CPU: AVX-512 without the BF16 extension. */
  setenv("DNNL_MAX_CPU_ISA", "AVX512_CORE", 1);

  for (i = 0; i < COUNT * PIXELS; ++i) images[i] = (uint8_t)((i / PIXELS) % 2 ? 200 : 30);
  for (i = 0; i < COUNT; ++i) labels[i] = (int32_t)(i % 2);
  train.images = images;
  train.labels = labels;
  train.count = COUNT;
  CHECK(kcell_dataset_create(1, SIDE, SIDE, 2, &train, NULL, NULL, &data) == KCELL_OK);
  CHECK(kcell_model_create("conv(4,3) bn relu maxpool(2) flatten dense", 1, SIDE, SIDE, 2, 1,
                           &model) == KCELL_OK);

  kcell_train_params_default(&params);
  CHECK(params.precision == KCELL_PRECISION_AUTO);
  params.epochs = 1;
  params.batch_size = 8;
  params.num_threads = 1;

  params.precision = KCELL_PRECISION_BF16;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_UNSUPPORTED);
  CHECK(strstr(kcell_last_error(), "AVX-512 BF16") != NULL);

  params.precision = KCELL_PRECISION_INT8;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_UNSUPPORTED);
  CHECK(strstr(kcell_last_error(), "inference") != NULL);

  params.precision = (kcell_precision)7;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_ERROR_INVALID_ARGUMENT);

  /* The refusals changed nothing: the model has trained no epoch and trains in fp32. */
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  CHECK(kcell_model_get_info(model, &info) == KCELL_OK);
  CHECK(info.epochs_trained == 0);
  params.precision = KCELL_PRECISION_FP32;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_OK);
  CHECK(kcell_model_get_info(model, &info) == KCELL_OK);
  CHECK(info.epochs_trained == 1);
  /* The default, automatic precision falls back to fp32 on this CPU instead of failing. */
  params.precision = KCELL_PRECISION_AUTO;
  CHECK(kcell_train(model, data, NULL, &params, NULL) == KCELL_OK);
  CHECK(kcell_model_get_info(model, &info) == KCELL_OK);
  CHECK(info.epochs_trained == 2);

  kcell_model_free(model);
  kcell_dataset_free(data);
  return failures == 0 ? 0 : 1;
}
