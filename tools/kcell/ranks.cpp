#include "ranks.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common.hpp"

#ifdef KCELL_WITH_MPI
#include <kcell_mpi.h>
#endif

namespace kcell_cli {
namespace {

kcell_communicator communicator{};
bool several = false;
bool trials_alone = false;  // a SingleProcessTraining lives

#ifdef KCELL_WITH_MPI
// KCELL_MPI_TIMEOUT: seconds one collective call may wait for the other ranks (600).
double timeout_seconds() {
  const char* text = std::getenv("KCELL_MPI_TIMEOUT");
  if (!text || !*text) return 600.0;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (*end != '\0' || !(value >= 0.0)) {
    std::fprintf(stderr, "kcell: KCELL_MPI_TIMEOUT must be a number of seconds, got '%s'\n", text);
    std::exit(2);
  }
  return value;
}

// KCELL_MPI_OVERLAP=0: the gradient sums after the backward pass instead of during it (the
// same results; for measuring what the overlap buys).
bool overlap() {
  const char* text = std::getenv("KCELL_MPI_OVERLAP");
  if (!text || !*text || std::string(text) == "1") return true;
  if (std::string(text) == "0") return false;
  std::fprintf(stderr, "kcell: KCELL_MPI_OVERLAP must be 0 or 1, got '%s'\n", text);
  std::exit(2);
}
#endif

}  // namespace

Ranks::Ranks(int* argc, char*** argv) {
#ifdef KCELL_WITH_MPI
  if (!kcell_mpi_start(argc, argv)) return;
  if (kcell_mpi_communicator(&communicator, timeout_seconds()) != KCELL_OK) return;
  if (!overlap()) {
    communicator.allreduce_sum_start = nullptr;
    communicator.allreduce_wait = nullptr;
    communicator.progress = nullptr;
  }
  several = communicator.size(communicator.user_data) > 1;
  // Console lines come from rank 0 only; errors (stderr) from every rank.
  if (several && run_rank() != 0 && !std::freopen("/dev/null", "w", stdout))
    std::fprintf(stderr, "kcell: rank %d cannot silence its output\n", run_rank());
#else
  (void)argc;
  (void)argv;
#endif
}

Ranks::~Ranks() {
#ifdef KCELL_WITH_MPI
  std::fflush(stdout);
  kcell_mpi_finish();
#endif
}

const kcell_communicator* run_communicator() {
  return several && !trials_alone ? &communicator : nullptr;
}

int run_rank() { return several ? communicator.rank(communicator.user_data) : 0; }

int run_size() { return several ? communicator.size(communicator.user_data) : 1; }

int training_ranks() { return trials_alone ? 1 : run_size(); }

SingleProcessTraining::SingleProcessTraining() { trials_alone = true; }

SingleProcessTraining::~SingleProcessTraining() { trials_alone = false; }

void wait_for_ranks() {
#ifdef KCELL_WITH_MPI
  if (several && kcell_mpi_wait_for_ranks() != 0)
    throw Failure("rank " + std::to_string(run_rank()) + ": lost the other ranks");
#endif
}

std::string broadcast_bytes(std::string bytes, int root) {
  if (!several) return bytes;
  uint64_t size = bytes.size();
  const auto fail = [] {
    return Failure("rank " + std::to_string(run_rank()) + ": no answer from the other ranks");
  };
  if (communicator.broadcast(communicator.user_data, &size, sizeof size, root) != 0) throw fail();
  bytes.resize(size);
  if (size > 0 &&
      communicator.broadcast(communicator.user_data, bytes.data(), bytes.size(), root) != 0)
    throw fail();
  return bytes;
}

bool overlaps_gradient_sums() { return several && communicator.allreduce_sum_start != nullptr; }

double communication_seconds() {
#ifdef KCELL_WITH_MPI
  if (several) return kcell_mpi_collective_seconds();
#endif
  return 0.0;
}

void abort_run(const std::string& message) {
  if (several && communicator.abort) communicator.abort(communicator.user_data, message.c_str());
}

}  // namespace kcell_cli
