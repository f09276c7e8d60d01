/* A process killed while it saves a model never leaves a damaged model file: a child saves
 * two large models (reference preset, 3.5 MB each) in turn in a loop and the parent kills
 * it with SIGKILL at moments spread over the save; after every kill the file must be one
 * of the two complete versions, byte for byte, and load. */
#define _POSIX_C_SOURCE 200809L /* fork, kill, nanosleep, mkdir */
#include <kcell/kcell.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define ROUNDS 16

static const char* DIR_NAME = "c_api_model_save_killed";
static const char* PATH = "c_api_model_save_killed/model.kcell";

typedef struct bytes {
  void* data;
  size_t size;
} bytes;

static bytes read_file(const char* path) {
  bytes b = {NULL, 0};
  FILE* f = fopen(path, "rb");
  long n;
  if (f == NULL) return b;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  b.data = malloc(n > 0 ? (size_t)n : 1);
  if (b.data && fread(b.data, 1, (size_t)n, f) == (size_t)n) b.size = (size_t)n;
  fclose(f);
  return b;
}

static int same(bytes a, bytes b) {
  return a.size == b.size && a.size > 0 && memcmp(a.data, b.data, a.size) == 0;
}

/* Files in the folder other than the model: temporary files of killed saves (removed). */
static int remove_temporaries(void) {
  DIR* d = opendir(DIR_NAME);
  struct dirent* e;
  int removed = 0;
  char path[512];
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
        strcmp(e->d_name, "model.kcell") == 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", DIR_NAME, e->d_name);
    CHECK(strstr(e->d_name, ".kcell-tmp-") != NULL);
    remove(path);
    ++removed;
  }
  closedir(d);
  return removed;
}

int main(void) {
  kcell_model *a = NULL, *b = NULL;
  bytes bytes_a = {NULL, 0}, bytes_b = {NULL, 0};
  int round, saw_a = 0, saw_b = 0, interrupted = 0;

  mkdir(DIR_NAME, 0755);
  remove_temporaries();
  CHECK(kcell_model_create("reference", 1, 28, 28, 8, 1, &a) == KCELL_OK);
  CHECK(kcell_model_create("reference", 1, 28, 28, 8, 2, &b) == KCELL_OK);
  CHECK(kcell_model_save_to_memory(a, &bytes_a.data, &bytes_a.size) == KCELL_OK);
  CHECK(kcell_model_save_to_memory(b, &bytes_b.data, &bytes_b.size) == KCELL_OK);
  CHECK(bytes_a.size > 3000000 && !same(bytes_a, bytes_b));
  CHECK(kcell_model_save(a, PATH) == KCELL_OK);
  if (failures) return 1;

  for (round = 0; round < ROUNDS; ++round) {
    /* 2 ms to 370 ms: a save takes about 150 ms (serialising, writing, flushing), so the
     * kills land in every phase of the first and the next few saves. */
    const long wait_us = 2000 + (long)round * round * 1500;
    struct timespec wait;
    int status = 0;
    bytes now;
    kcell_model* loaded = NULL;
    const pid_t child = fork();
    CHECK(child >= 0);
    if (child < 0) break;
    if (child == 0) {
      unsigned i;
      for (i = 0;; ++i)
        if (kcell_model_save(i % 2 ? a : b, PATH) != KCELL_OK) _exit(3);
    }
    wait.tv_sec = 0;
    wait.tv_nsec = wait_us * 1000;
    nanosleep(&wait, NULL);
    CHECK(kill(child, SIGKILL) == 0);
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    now = read_file(PATH);
    CHECK(same(now, bytes_a) || same(now, bytes_b));
    saw_a += same(now, bytes_a);
    saw_b += same(now, bytes_b);
    CHECK(kcell_model_load(PATH, &loaded) == KCELL_OK);
    kcell_model_free(loaded);
    free(now.data);
    interrupted += remove_temporaries() > 0;
  }
  printf(
      "%d kills: the file held the first model %d times and the second %d times; %d kills "
      "landed inside a save (a temporary file was left)\n",
      ROUNDS, saw_a, saw_b, interrupted);

  remove(PATH);
  rmdir(DIR_NAME);
  kcell_free(bytes_a.data);
  kcell_free(bytes_b.data);
  kcell_model_free(a);
  kcell_model_free(b);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
