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

// The communicator of this run; NULL for one process.
const kcell_communicator* run_communicator();
int run_rank();  // 0 for one process
int run_size();  // 1 for one process

// Seconds this rank has spent in collective calls (0 for one process).
double communication_seconds();

// Ends every rank after a failure on this one (its peers would wait in their next
// collective call); returns only for one process.
void abort_run(const std::string& message);

}  // namespace kcell_cli
