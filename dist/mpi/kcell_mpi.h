/**
 * @file kcell_mpi.h
 * @brief The MPI backend of kcell's communicator (kcell_communicator in kcell.h).
 *
 * A small library of its own (`kcell_mpi`, built with KCELL_WITH_MPI when MPI is found);
 * the kcell library itself links no MPI. One communicator over MPI_COMM_WORLD, whose
 * collective calls end with a failure (non-zero) instead of waiting past a timeout, so a
 * rank that hangs ends the run too.
 */
#ifndef KCELL_MPI_H
#define KCELL_MPI_H

#include <kcell/kcell.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Starts MPI when an MPI launcher (mpirun, srun) started this process.
 *
 * Recognises Open MPI's, PMI's and PMIx's environment; a process started any other way
 * stays a single process and MPI is not started (no singleton MPI start-up cost).
 * Call once, on the main thread, before any other function here.
 * @param argc   main's argc (MPI may consume arguments).
 * @param argv   main's argv.
 * @return 1 when MPI was started, 0 when this is a single process.
 */
int kcell_mpi_start(int* argc, char*** argv);

/**
 * @brief Fills @p out with the communicator over MPI_COMM_WORLD.
 *
 * Its functions are called by kcell_train() on the calling thread (MPI is started with
 * MPI_THREAD_FUNNELED). A collective call that has not completed after @p timeout_seconds
 * returns -1 (kcell_train() then fails with ::KCELL_ERROR_COMMUNICATION); an MPI error
 * returns its error code. Its abort prints the message on stderr and calls MPI_Abort. It
 * has the non-blocking sums too (MPI_Iallreduce; `progress` tests the outstanding ones, as
 * Open MPI advances them only inside MPI calls), so kcell_train() overlaps the gradient
 * sums with the backward pass; clear `allreduce_sum_start` and `allreduce_wait` for the
 * sums after the backward pass instead.
 * @param out              Receives the communicator.
 * @param timeout_seconds  Longest wait for one collective call; 0 or less: no limit.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT when MPI was not started by kcell_mpi_start().
 */
kcell_status kcell_mpi_communicator(kcell_communicator* out, double timeout_seconds);

/**
 * @brief Seconds spent in this rank's collective calls so far (waiting for slower ranks
 *        included): the communication share of a run's time.
 */
double kcell_mpi_collective_seconds(void);

/**
 * @brief Waits, without the timeout, until every rank has called this (a barrier).
 *
 * For points where a rank may wait for as long as another rank's work takes, such as
 * `kcell sweep` and `kcell tune` spreading their trials over the ranks: a long trial is not
 * a hang. A rank that dies meanwhile ends the job through the launcher (mpirun ends every
 * rank when one exits abnormally); one that fails calls the communicator's abort. Polls
 * with short sleeps, so a waiting rank leaves its core to the others. Call on the thread
 * that started MPI.
 * @return 0 when every rank arrived, else the MPI error code (or -1 when MPI was not
 *         started by kcell_mpi_start()).
 */
int kcell_mpi_wait_for_ranks(void);

/** @brief Ends MPI if kcell_mpi_start() started it (call once, at the end of main). */
void kcell_mpi_finish(void);

#ifdef __cplusplus
}
#endif

#endif /* KCELL_MPI_H */
