/* Load test: 8 threads call kcell_predict (and kcell_predict_normalized) on one shared model
 * without pause for a while, with requests of many sizes in both layouts. Every call must
 * succeed and give exactly the bits a single thread got for the same request, and the heap
 * must not grow while it runs (no leak per call).
 *
 *   c_api_test_predict_load [SECONDS [COMPUTE_THREADS]]      (defaults: 2 s, 1 thread)
 *
 * CTest runs it for 2 s (also under the sanitizers) and, labelled slow, for 10 s. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <kcell/kcell.h>

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"

#define SIDE 16
#define PIXELS (SIDE * SIDE)
#define CLASSES 5
#define THREADS 8
#define MAX_IMAGES 300 /* more than one internal batch of 256 */
#define REQUESTS 8

static const char* SPEC = "conv(8,3) bn relu maxpool(2) conv(16,3) bn relu gap dense";

/* A request: `count` images from `first`, in `layout`, or as normalised floats. */
typedef struct request {
  size_t first, count;
  int layout; /* KCELL_LAYOUT_NCHW, KCELL_LAYOUT_NHWC, or -1: kcell_predict_normalized */
} request;

static const request requests[REQUESTS] = {{0, 1, KCELL_LAYOUT_NCHW},
                                           {5, 3, KCELL_LAYOUT_NHWC},
                                           {17, 64, KCELL_LAYOUT_NCHW},
                                           {1, 256, KCELL_LAYOUT_NCHW},
                                           {0, 300, KCELL_LAYOUT_NHWC},
                                           {40, 33, -1},
                                           {299, 1, -1},
                                           {100, 128, KCELL_LAYOUT_NHWC}};

static kcell_model* g_model = NULL;
static uint8_t g_nchw[MAX_IMAGES * PIXELS], g_nhwc[MAX_IMAGES * PIXELS];
static float g_normalized[MAX_IMAGES * PIXELS];
static float* g_expected[REQUESTS];
static int g_compute_threads = 1;
static double g_seconds = 2.0;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Heap memory in use, in kB: allocated and not yet freed, over every malloc arena (glibc).
 * Unlike the resident size, it does not move with the allocator's caching. */
static long heap_in_use_kb(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 m = mallinfo2();
  return (long)((m.uordblks + m.hblkhd) / 1024);
#else
  return -1;
#endif
}

static kcell_status run(const request* r, float* out) {
  const size_t capacity = r->count * CLASSES;
  if (r->layout < 0)
    return kcell_predict_normalized(g_model, g_normalized + r->first * PIXELS, r->count, out,
                                    capacity);
  return kcell_predict(g_model,
                       (r->layout == KCELL_LAYOUT_NHWC ? g_nhwc : g_nchw) + r->first * PIXELS,
                       r->count, (kcell_layout)r->layout, out, capacity);
}

typedef struct worker {
  int index;
  long calls, errors, mismatches;
  double stop_at;
} worker;

static void* work(void* arg) {
  worker* w = (worker*)arg;
  static float scratch[THREADS][MAX_IMAGES * CLASSES];
  float* out = scratch[w->index];
  unsigned k = (unsigned)w->index * 3u;
  if (kcell_set_num_threads(g_compute_threads) != KCELL_OK) ++w->errors;
  do { /* at least one call, however slow the machine (or the sanitizer) */
    const request* r = &requests[k++ % REQUESTS];
    memset(out, 0xff, r->count * CLASSES * sizeof(float));
    if (run(r, out) != KCELL_OK) {
      if (w->errors++ == 0) fprintf(stderr, "thread %d: %s\n", w->index, kcell_last_error());
    } else if (memcmp(out, g_expected[r - requests], r->count * CLASSES * sizeof(float)) != 0) {
      ++w->mismatches;
    }
    ++w->calls;
  } while (now_seconds() < w->stop_at);
  return NULL;
}

int main(int argc, char** argv) {
  pthread_t threads[THREADS];
  worker workers[THREADS];
  float mean[1], std_dev[1];
  size_t i, p;
  int t;
  long calls = 0, heap_warm = -1, heap_half = -1, heap_end;
  double start, began;

  if (argc > 1) g_seconds = atof(argv[1]);
  if (argc > 2) g_compute_threads = atoi(argv[2]);
  CHECK(g_seconds > 0.0 && g_compute_threads >= 1);
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 9, &g_model) == KCELL_OK);
  if (failures) return 1;
  CHECK(kcell_model_normalization(g_model, mean, std_dev, 1) == KCELL_OK);
  for (i = 0; i < MAX_IMAGES; ++i)
    for (p = 0; p < PIXELS; ++p) {
      const uint8_t v = (uint8_t)((i * 131 + p * 29 + (i * p) % 17) % 256);
      g_nchw[i * PIXELS + p] = v; /* one channel: NCHW and NHWC hold the same bytes */
      g_nhwc[i * PIXELS + p] = v;
      g_normalized[i * PIXELS + p] = ((float)v / 255.f - mean[0]) / std_dev[0];
    }

  /* What one thread gets, with the same compute threads per call as the workers. */
  CHECK(kcell_set_num_threads(g_compute_threads) == KCELL_OK);
  for (i = 0; i < REQUESTS; ++i) {
    g_expected[i] = (float*)malloc(requests[i].count * CLASSES * sizeof(float));
    CHECK(g_expected[i] != NULL && run(&requests[i], g_expected[i]) == KCELL_OK);
  }
  if (failures) return 1;

  /* A warm-up second of load, then the measured run in two halves. The engine's pool of
   * idle contexts grows, up to its bound, whenever more calls than ever before overlap, so
   * the heap may rise in the first half; a leak would keep rising in the second. */
  began = now_seconds();
  for (t = 0; t < 3; ++t) {
    const double seconds = t == 0 ? (g_seconds < 1.0 ? g_seconds / 2 : 1.0) : g_seconds / 2;
    start = now_seconds();
    for (i = 0; i < THREADS; ++i) {
      workers[i].index = (int)i;
      workers[i].calls = workers[i].errors = workers[i].mismatches = 0;
      workers[i].stop_at = start + seconds;
      CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (i = 0; i < THREADS; ++i) CHECK(pthread_join(threads[i], NULL) == 0);
    for (i = 0; i < THREADS; ++i) {
      CHECK(workers[i].errors == 0);
      CHECK(workers[i].mismatches == 0);
      calls += workers[i].calls;
    }
    if (t == 0) heap_warm = heap_in_use_kb();
    if (t == 1) heap_half = heap_in_use_kb();
  }
  heap_end = heap_in_use_kb();
  printf(
      "%d threads x %.1f s: %ld predict calls, %.0f per second; heap in use %ld kB "
      "after warm-up, %ld kB half-way, %ld kB at the end\n",
      THREADS, g_seconds, calls, (double)calls / (now_seconds() - began), heap_warm, heap_half,
      heap_end);
  /* Long runs only: short ones (and sanitizer runs, whose allocators hold on to freed
   * memory) are checked for leaks by LeakSanitizer instead. On a loaded machine the
   * context pool can still add a context or two in the second half (up to about 1 MB
   * seen); 4 MB over ~30,000 calls still catches any leak of 150 bytes a call. */
  if (g_seconds >= 5.0 && heap_half > 0) CHECK(heap_end - heap_half < 4096);

  for (i = 0; i < REQUESTS; ++i) free(g_expected[i]);
  kcell_model_free(g_model);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
