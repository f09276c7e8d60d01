/* The header as plain C99: version, status strings and the last-error message. */
#include <kcell/kcell.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

int main(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", KCELL_VERSION_MAJOR, KCELL_VERSION_MINOR,
           KCELL_VERSION_PATCH);
  CHECK(strcmp(kcell_version(), expected) == 0);
  CHECK(kcell_version_number() == KCELL_VERSION_NUMBER);
  CHECK(strcmp(kcell_status_string(KCELL_OK), "ok") == 0);
  CHECK(strcmp(kcell_status_string(KCELL_ERROR_FORMAT), "format error") == 0);
  CHECK(strcmp(kcell_status_string((kcell_status)9999), "unknown status") == 0);
  CHECK(strcmp(kcell_last_error(), "") == 0);

  CHECK(kcell_set_num_threads(-1) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "threads") != NULL);
  CHECK(kcell_set_num_threads(0) == KCELL_OK);

  /* A program built against an older header passes a smaller struct to the _init
     functions: nothing past its size is written. */
  {
    unsigned char buffer[sizeof(kcell_train_params) + 16];
    kcell_train_params* params = (kcell_train_params*)(void*)buffer;
    const size_t older = offsetof(kcell_train_params, batch_size);
    memset(buffer, 0xAB, sizeof buffer);
    CHECK(kcell_train_params_init(params, older) == KCELL_OK);
    CHECK(params->struct_size == older);
    CHECK(params->epochs == 0); /* automatic length */
    CHECK(buffer[older] == 0xAB);
    CHECK(buffer[sizeof buffer - 1] == 0xAB);
    CHECK(kcell_train_params_init(params, 2) == KCELL_ERROR_INVALID_ARGUMENT);
  }
  {
    unsigned char buffer[sizeof(kcell_augmentation) + 16];
    kcell_augmentation* augmentation = (kcell_augmentation*)(void*)buffer;
    const size_t older = offsetof(kcell_augmentation, vflip);
    memset(buffer, 0xAB, sizeof buffer);
    CHECK(kcell_augmentation_init(augmentation, older) == KCELL_OK);
    CHECK(augmentation->struct_size == older);
    CHECK(augmentation->hflip == 0.0);
    CHECK(buffer[older] == 0xAB);
    CHECK(buffer[sizeof buffer - 1] == 0xAB);
    CHECK(kcell_augmentation_default(augmentation) == KCELL_OK);
    CHECK(augmentation->struct_size == sizeof(kcell_augmentation));
    CHECK(augmentation->erase_max_area == 0.25 && augmentation->shift == 0);
    CHECK(buffer[sizeof buffer - 1] == 0xAB);
  }
  {
    kcell_open_options options;
    CHECK(kcell_open_options_default(&options) == KCELL_OK);
    CHECK(options.struct_size == sizeof options);
    CHECK(options.val_fraction > 0.08 && options.val_fraction < 0.09);
  }

  /* Freeing NULL handles is a no-op. */
  kcell_dataset_free(NULL);
  kcell_model_free(NULL);
  kcell_history_free(NULL);

  if (failures) return 1;
  return 0;
}
