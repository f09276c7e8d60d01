// The ranks of a run started under mpirun (or srun): MPI is started when a launcher
// started kcell and the program was built with the MPI backend (KCELL_WITH_MPI); otherwise
// one process. Rank 0 alone prints and writes files; training uses the communicator.
#pragma once

#include <kcell/kcell.h>

#include <string>

namespace kcell_cli {

// Starts the ranks (once, first thing in main); ends them on destruction.
class Ranks {
 public:
  Ranks(int* argc, char*** argv);
  ~Ranks();
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;
};

// The communicator training uses; NULL for one process or while trials train alone
// (SingleProcessTraining).
const kcell_communicator* run_communicator();
int run_rank();  // 0 for one process
int run_size();  // 1 for one process

// Ranks one training run spans: run_size(), or 1 while SingleProcessTraining lives.
int training_ranks();

// While it lives, each rank trains on its own (a trial of `kcell sweep` or `kcell tune` on
// its rank): run_communicator() is NULL, training_ranks() 1.
class SingleProcessTraining {
 public:
  SingleProcessTraining();
  ~SingleProcessTraining();
  SingleProcessTraining(const SingleProcessTraining&) = delete;
  SingleProcessTraining& operator=(const SingleProcessTraining&) = delete;
};

// Returns when every rank has called it, however long that takes (no KCELL_MPI_TIMEOUT: the
// others may be training); a rank that dies ends the job through the launcher. Throws
// Failure when the transport fails. Nothing for one process.
void wait_for_ranks();

// `bytes` of rank `root` on every rank (its length first, then the bytes; timed collective
// calls, so call when every rank is at this point, e.g. after wait_for_ranks()). Throws
// Failure when the transport fails.
std::string broadcast_bytes(std::string bytes, int root);

// Seconds this rank has spent in collective calls (0 for one process).
double communication_seconds();
// Whether training sums the gradients during the backward pass (not with
// KCELL_MPI_OVERLAP=0).
bool overlaps_gradient_sums();

// Ends every rank after a failure on this one (its peers would wait in their next
// collective call); returns only for one process.
void abort_run(const std::string& message);

}  // namespace kcell_cli
