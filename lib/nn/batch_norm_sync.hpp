// Synchronised batch norm: the sum over the ranks it uses on this thread, and its batch
// statistics and input gradients over the global batch of all ranks, from each rank's own
// numbers and one sum over the ranks each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace kcell::nn {

// Sums `count` floats element-wise over the ranks of a data-parallel run, in place, the
// same on every rank (train::Communicator::allreduce_sum behind it).
using StatisticsSum = std::function<void(float* data, size_t count)>;

// Synchronised batch norm: while this thread's sum is set (train::train sets it for a
// data-parallel run and clears it after), every training batch norm run on this thread
// normalises with the mean and variance of the whole global batch (its statistics summed
// in forward, its gradient sums in backward), so N ranks compute what one process with all
// their images would. Empty (the default): each process's own batch. Every rank runs the
// same batch norms in the same order, as every rank of a run does. A thread's own, so that
// networks trained on other threads are untouched.
StatisticsSum& batch_statistics_sum();

// mean and var (biased) of this rank's `count` values per channel become those of all
// ranks' values; returns the global count. Sums count·(mean - shift) and
// count·(var + (mean - shift)²) with shift = the running mean (the same on every rank and
// close to the batch mean, so the variance loses no digits to cancellation).
int64_t global_batch_statistics(float* mean, float* var, const float* shift, size_t channels,
                                int64_t count, const StatisticsSum& sum);

// Turns dx = scale/σ · dy (the input gradient with the statistics held constant, plain
// n × C × (h·w)) into the gradient through the global statistics:
//   dx -= scale/σ · (Σdy + x̂ · Σ(dy·x̂)) / global_count,
// with the sums over all ranks (`dy_sum`, `dy_xhat_sum`: per channel, already summed).
void add_statistics_gradient(float* dx, const float* x, int64_t n, size_t channels, int64_t spatial,
                             const float* mean, const float* var, const float* scale,
                             const float* dy_sum, const float* dy_xhat_sum, int64_t global_count,
                             float eps);

}  // namespace kcell::nn
