// The doctest runner of the unit tests; the tests live beside it, one file per part.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
