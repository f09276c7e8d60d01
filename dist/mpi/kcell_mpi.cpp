// kcell_communicator over MPI: non-blocking collectives polled against a deadline, so that
// a dead or hung peer ends in a failure (and the caller's abort) rather than a wait
// without end.
#include "kcell_mpi.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <initializer_list>
#include <memory>
#include <thread>
#include <vector>

namespace {

bool started = false;
double timeout = 0.0;
double collective_seconds = 0.0;

using Clock = std::chrono::steady_clock;

// Adds the time from its construction to its destruction to collective_seconds.
struct CollectiveTimer {
  Clock::time_point start = Clock::now();
  ~CollectiveTimer() {
    collective_seconds += std::chrono::duration<double>(Clock::now() - start).count();
  }
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

// Waits for `request`, testing it (MPI progresses inside MPI_Test) and yielding the core
// between tests (`nap`) once the first spins have not finished it; -1 past `limit` seconds
// (0 or less: no limit).
int wait_for(MPI_Request& request, double limit = timeout,
             std::chrono::microseconds nap = std::chrono::microseconds(20)) {
  const Clock::time_point start = Clock::now();
  for (long spins = 0;; ++spins) {
    int done = 0;
    const int r = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (r != MPI_SUCCESS) return r;
    if (done) return 0;
    if (spins < 2000) continue;
    std::this_thread::sleep_for(nap);
    if (limit > 0.0 && std::chrono::duration<double>(Clock::now() - start).count() > limit) {
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      std::fprintf(stderr, "kcell: rank %d: no answer from the other ranks within %.0f s\n", rank,
                   limit);
      return -1;
    }
  }
}

int mpi_rank(void*) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int mpi_size(void*) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

// MPI counts are ints: larger buffers go in parts.
int mpi_allreduce_sum(void*, float* data, size_t count) {
  const CollectiveTimer timer;
  while (count > 0) {
    const int n = count > INT_MAX ? INT_MAX : static_cast<int>(count);
    MPI_Request request;
    int r = MPI_Iallreduce(MPI_IN_PLACE, data, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
    if (r == MPI_SUCCESS) r = wait_for(request);
    if (r != 0) return r;
    data += n;
    count -= static_cast<size_t>(n);
  }
  return 0;
}

// A started sum: one MPI_Iallreduce per INT_MAX floats. Requests are tested by progress
// until their wait (in the order started, as kcell waits).
struct Pending {
  std::vector<MPI_Request> parts;
};
std::deque<Pending*> pending;

int mpi_allreduce_sum_start(void*, float* data, size_t count, void** request) {
  const CollectiveTimer timer;
  auto started = std::make_unique<Pending>();
  while (count > 0) {
    const int n = count > INT_MAX ? INT_MAX : static_cast<int>(count);
    MPI_Request part;
    const int r = MPI_Iallreduce(MPI_IN_PLACE, data, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &part);
    if (r != MPI_SUCCESS) return r;  // parts started before stay incomplete: the run ends
    started->parts.push_back(part);
    data += n;
    count -= static_cast<size_t>(n);
  }
  pending.push_back(started.get());
  *request = started.release();
  return 0;
}

int mpi_allreduce_wait(void*, void* request) {
  const CollectiveTimer timer;
  std::unique_ptr<Pending> done(static_cast<Pending*>(request));
  pending.erase(std::remove(pending.begin(), pending.end(), done.get()), pending.end());
  for (MPI_Request& part : done->parts)
    if (const int r = wait_for(part); r != 0) return r;
  return 0;
}

// Open MPI moves a non-blocking collective on only inside MPI calls (no progress thread
// over shared memory or TCP by default): one test of each outstanding part does it.
int mpi_progress(void*) {
  const CollectiveTimer timer;
  for (Pending* p : pending)
    for (MPI_Request& part : p->parts) {
      int done = 0;
      if (const int r = MPI_Test(&part, &done, MPI_STATUS_IGNORE); r != MPI_SUCCESS) return r;
    }
  return 0;
}

int mpi_broadcast(void*, void* data, size_t bytes, int root) {
  const CollectiveTimer timer;
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    const int n = bytes > INT_MAX ? INT_MAX : static_cast<int>(bytes);
    MPI_Request request;
    int r = MPI_Ibcast(p, n, MPI_BYTE, root, MPI_COMM_WORLD, &request);
    if (r == MPI_SUCCESS) r = wait_for(request);
    if (r != 0) return r;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return 0;
}

void mpi_abort(void*, const char* message) {
  std::fprintf(stderr, "kcell: rank %d: %s; ending all ranks\n", mpi_rank(nullptr), message);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return; if it did, the process still must not
}

}  // namespace

extern "C" {

int kcell_mpi_start(int* argc, char*** argv) {
  if (started || !launched_by_mpi()) return started ? 1 : 0;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return 0;
  // Errors come back as codes (a failing collective is a kcell status, not an exit).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  started = true;
  return 1;
}

kcell_status kcell_mpi_communicator(kcell_communicator* out, double timeout_seconds) {
  if (!out || !started) return KCELL_ERROR_INVALID_ARGUMENT;
  timeout = timeout_seconds;
  *out = kcell_communicator{};
  out->struct_size = sizeof(kcell_communicator);
  out->rank = mpi_rank;
  out->size = mpi_size;
  out->allreduce_sum = mpi_allreduce_sum;
  out->broadcast = mpi_broadcast;
  out->abort = mpi_abort;
  out->allreduce_sum_start = mpi_allreduce_sum_start;
  out->allreduce_wait = mpi_allreduce_wait;
  out->progress = mpi_progress;
  return KCELL_OK;
}

double kcell_mpi_collective_seconds(void) { return collective_seconds; }

int kcell_mpi_wait_for_ranks(void) {
  if (!started) return -1;
  MPI_Request request;
  const int r = MPI_Ibarrier(MPI_COMM_WORLD, &request);
  // No deadline: the others may be training for hours. 2 ms naps: an idle rank must not
  // take a core from a training one.
  return r != MPI_SUCCESS ? r : wait_for(request, 0.0, std::chrono::milliseconds(2));
}

void kcell_mpi_finish(void) {
  if (started) MPI_Finalize();
  started = false;
}

}  // extern "C"
