// Version, status strings, the last-error message and thread settings.
#include <cstring>
#include <new>
#include <string>

#include <dnnl.hpp>

#include "api/guard.hpp"
#include "common/threads.hpp"

#define KCELL_STR2(x) #x
#define KCELL_STR(x) KCELL_STR2(x)

static_assert(KCELL_OK == static_cast<int>(kcell::Status::ok));
static_assert(KCELL_ERROR_INVALID_ARGUMENT == static_cast<int>(kcell::Status::invalid_argument));
static_assert(KCELL_ERROR_IO == static_cast<int>(kcell::Status::io));
static_assert(KCELL_ERROR_FORMAT == static_cast<int>(kcell::Status::format));
static_assert(KCELL_ERROR_OUT_OF_MEMORY == static_cast<int>(kcell::Status::out_of_memory));
static_assert(KCELL_ERROR_LIMIT == static_cast<int>(kcell::Status::limit));
static_assert(KCELL_ERROR_BUFFER_TOO_SMALL == static_cast<int>(kcell::Status::buffer_too_small));
static_assert(KCELL_ERROR_UNSUPPORTED == static_cast<int>(kcell::Status::unsupported));
static_assert(KCELL_ERROR_CANCELLED == static_cast<int>(kcell::Status::cancelled));
static_assert(KCELL_ERROR_NOT_FINITE == static_cast<int>(kcell::Status::not_finite));
static_assert(KCELL_ERROR_SPEC == static_cast<int>(kcell::Status::spec));
static_assert(KCELL_ERROR_INTERNAL == static_cast<int>(kcell::Status::internal));
static_assert(KCELL_ERROR_BUSY == static_cast<int>(kcell::Status::busy));
static_assert(KCELL_ERROR_COMMUNICATION == static_cast<int>(kcell::Status::communication));

namespace kcell::api {
namespace {
thread_local std::string last_error;
}

void set_last_error(const std::string& message) { last_error = message; }

kcell_status fail_with(kcell_status status, const std::string& message) {
  set_last_error(message);
  return status;
}

kcell_status status_from_current_exception() noexcept {
  try {
    throw;
  } catch (const kcell::Error& e) {
    set_last_error(e.what());
    return static_cast<kcell_status>(e.status());
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return KCELL_ERROR_OUT_OF_MEMORY;
  } catch (const dnnl::error& e) {
    set_last_error(std::string("oneDNN: ") + e.what());
    return e.status == dnnl_out_of_memory ? KCELL_ERROR_OUT_OF_MEMORY : KCELL_ERROR_INTERNAL;
  } catch (const std::exception& e) {
    set_last_error(std::string("internal error: ") + e.what());
    return KCELL_ERROR_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return KCELL_ERROR_INTERNAL;
  }
}

void copy_sized(void* full, size_t full_size, void* out, size_t struct_size) {
  if (struct_size < sizeof(size_t))
    kcell::fail(Status::invalid_argument,
                "struct_size " + std::to_string(struct_size) + " is smaller than its own field");
  const size_t n = struct_size < full_size ? struct_size : full_size;
  std::memcpy(full, &n, sizeof n);  // the struct_size field comes first
  std::memcpy(out, full, n);
}

}  // namespace kcell::api

extern "C" {

KCELL_API const char* kcell_version(void) {
  return KCELL_STR(KCELL_VERSION_MAJOR) "." KCELL_STR(KCELL_VERSION_MINOR) "." KCELL_STR(
      KCELL_VERSION_PATCH);
}

KCELL_API int kcell_version_number(void) { return KCELL_VERSION_NUMBER; }

KCELL_API const char* kcell_status_string(kcell_status status) {
  // A C caller may pass any int: read it as one (a C++ enum holding a value outside its
  // enumerators' range is undefined behaviour).
  int value = 0;
  static_assert(sizeof value == sizeof status, "kcell_status is passed as an int");
  std::memcpy(&value, &status, sizeof value);
  switch (value) {
    case KCELL_OK:
      return "ok";
    case KCELL_ERROR_INVALID_ARGUMENT:
      return "invalid argument";
    case KCELL_ERROR_IO:
      return "input/output error";
    case KCELL_ERROR_FORMAT:
      return "format error";
    case KCELL_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case KCELL_ERROR_LIMIT:
      return "size limit exceeded";
    case KCELL_ERROR_BUFFER_TOO_SMALL:
      return "buffer too small";
    case KCELL_ERROR_UNSUPPORTED:
      return "unsupported";
    case KCELL_ERROR_CANCELLED:
      return "cancelled";
    case KCELL_ERROR_BUSY:
      return "handle busy";
    case KCELL_ERROR_COMMUNICATION:
      return "communication error";
    case KCELL_ERROR_NOT_FINITE:
      return "non-finite values in training";
    case KCELL_ERROR_SPEC:
      return "architecture spec error";
    case KCELL_ERROR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

KCELL_API const char* kcell_last_error(void) { return kcell::api::last_error.c_str(); }

KCELL_API kcell_status kcell_set_num_threads(int threads) {
  if (threads < 0)
    return kcell::api::fail_with(KCELL_ERROR_INVALID_ARGUMENT,
                                 "threads must be 0 (all cores) or more");
  kcell::set_default_threads(threads);
  return KCELL_OK;
}

}  // extern "C"
