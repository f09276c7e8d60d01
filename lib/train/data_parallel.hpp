// What a training run does differently on several ranks (train::Communicator): the rank's
// share of each global batch, the loss weights and gradients summed over the ranks, the
// check that every rank runs the same thing, and keeping the ranks' states identical.
// Without a communicator (or with one rank) every call is the one-process behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "nn/network.hpp"
#include "train/communicator.hpp"
#include "train/run_fingerprint.hpp"

namespace kcell::train {

// One step's training numbers: this rank's, and after sum_batch() all ranks'.
struct BatchTotals {
  double weight = 0.0;    // loss weight (the loss is sum / weight)
  double loss_sum = 0.0;  // weighted loss
  double correct = 0.0;
  double decisions = 0.0;  // what correct counts out of: images (multi-label: × labels)
};

class DataParallel {
 public:
  explicit DataParallel(Communicator* communicator);

  bool active() const { return size_ > 1; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Rank 0 writes checkpoints (and a front end its model, report and console lines).
  bool writes() const { return rank_ == 0; }

  // Every rank must train the same model on the same data with the same settings: each
  // compares its fingerprint with rank 0's; on any difference every rank throws
  // Error(communication), the differing rank naming what differs.
  void check_same_run(const Fingerprint& mine) const;
  // All ranks learn whether every rank succeeded (`error` empty here): when one did not,
  // every rank throws the first failing rank's Error(status, error), naming that rank.
  void agree(const std::string& error, Status status) const;

  // Steps of an epoch over `count` images in global batches of batch × size; the last,
  // partial one is cut evenly over the ranks and dropped when it cannot give each rank an
  // image.
  size_t steps(size_t count, size_t batch) const;
  // This rank's images of an epoch's global order: its contiguous share of each global
  // batch, in order (so a batcher of `batch` images cuts exactly these steps).
  std::vector<size_t> shard(const std::vector<size_t>& order, size_t batch) const;
  // A per-rank random stream: `seed` on one process, derived from it and the rank else.
  uint64_t rank_seed(uint64_t seed) const;

  // Sums the step's totals over the ranks (in place); returns the factor this rank's
  // loss gradient (normalised by its own weight) must be scaled by to be its part of the
  // global mean: weight / global weight.
  double sum_batch(BatchTotals& totals) const;
  // net.backward(dlogits), and every parameter gradient summed over the ranks. With a
  // communicator that can start sums (Communicator::can_start), the gradients go in
  // buckets cut from the last layer down, each started as soon as the backward pass has
  // finished its layers and waited for at the end, so the sums overlap the backward pass
  // of the layers below; else sum_gradients() after it. The sums are the same either way.
  // On any failure every started sum is waited for before the error goes on.
  void backward(nn::Network& net, const float* dlogits);
  // Sums every parameter gradient over the ranks, in buckets of about 4 MB (blocking).
  void sum_gradients(const std::vector<nn::Param*>& params);
  // The overlapped buckets' size in floats; 0 (the default): an eighth of the parameters
  // within [256 KB, 4 MB]. (Tests set small ones to get several buckets of a small net.)
  void set_bucket_floats(size_t floats) {
    bucket_floats_ = floats;
    bucket_params_.clear();
  }
  // Buckets of the last overlapped backward() (0 before).
  size_t buckets() const { return buckets_.size(); }
  // Rank 0's parameters everywhere, and batch-norm statistics rank 0's (`average` false)
  // or the mean over the ranks (true: local batch norm, each rank kept its own).
  void share_state(nn::Network& net, bool average_buffers);
  // Rank 0's doubles everywhere (decisions every rank must take alike).
  void share(double* values, size_t count) const;

 private:
  // params[first .. last) summed by one non-blocking call: through `data` (a copy), or in
  // place when it is a single parameter.
  struct Bucket {
    size_t first = 0, last = 0;
    std::vector<float> data;
    Communicator::Request request = nullptr;
  };
  void cut_buckets(const std::vector<nn::Param*>& params);
  void start_ready(size_t first_final);  // starts the buckets whose gradients are final
  void finish();                         // waits for all, copies the sums back
  void drain() noexcept;                 // waits for the started ones, errors ignored

  Communicator* comm_;
  int rank_ = 0, size_ = 1;
  std::vector<float> bucket_;
  size_t bucket_floats_ = 0;
  std::vector<nn::Param*> bucket_params_;  // what buckets_ were cut from
  std::vector<Bucket> buckets_;            // from the last parameters down
  size_t started_ = 0, waited_ = 0;        // this step's, counted in buckets_ order
};

}  // namespace kcell::train
