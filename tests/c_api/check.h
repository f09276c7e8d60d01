/* A minimal check macro for the C API tests: counts failures and reports each one. */
#ifndef KCELL_TESTS_C_API_CHECK_H
#define KCELL_TESTS_C_API_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#endif
