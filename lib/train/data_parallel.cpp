#include "train/data_parallel.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/rng.hpp"

namespace kcell::train {
namespace {

constexpr size_t kBucketFloats = size_t{1} << 20;  // 4 MB: few calls, bounded extra memory

// The k-th of `ranks` even parts of [0, m): [m·k/ranks, m·(k+1)/ranks).
size_t part_start(size_t m, int k, int ranks) {
  return m * static_cast<size_t>(k) / static_cast<size_t>(ranks);
}

std::string serialise(const Fingerprint& f) {
  std::string text;
  for (const auto& [key, value] : f) text += key + '\n' + value + '\n';
  return text;
}

Fingerprint parse(const std::string& text) {
  Fingerprint f;
  size_t at = 0;
  while (at < text.size()) {
    const size_t key_end = text.find('\n', at);
    const size_t value_end = text.find('\n', key_end + 1);
    if (key_end == std::string::npos || value_end == std::string::npos) break;
    f[text.substr(at, key_end - at)] = text.substr(key_end + 1, value_end - key_end - 1);
    at = value_end + 1;
  }
  return f;
}

// The gradients of params[first, last) one after another into `to` (a bucket), and back.
void gather_gradients(const std::vector<nn::Param*>& params, size_t first, size_t last, float* to) {
  for (size_t i = first; i < last; ++i)
    to = std::copy(params[i]->grad.begin(), params[i]->grad.end(), to);
}

void scatter_gradients(const float* from, const std::vector<nn::Param*>& params, size_t first,
                       size_t last) {
  for (size_t i = first; i < last; ++i) {
    std::copy_n(from, params[i]->grad.size(), params[i]->grad.begin());
    from += params[i]->grad.size();
  }
}

}  // namespace

DataParallel::DataParallel(Communicator* communicator) : comm_(communicator) {
  if (!comm_) return;
  size_ = comm_->size();
  rank_ = comm_->rank();
  if (size_ < 1 || rank_ < 0 || rank_ >= size_)
    fail(Status::invalid_argument, "the communicator reports rank " + std::to_string(rank_) +
                                       " of " + std::to_string(size_) + " ranks");
}

void DataParallel::agree(const std::string& error, Status status) const {
  if (!active()) {
    if (!error.empty()) fail(status, error);
    return;
  }
  // Each rank's status (0: fine) summed into its own slot; the first failing rank's
  // message then goes to all, so every rank stops with it (whichever prints first).
  std::vector<float> failed(static_cast<size_t>(size_), 0.f);
  if (!error.empty()) failed[static_cast<size_t>(rank_)] = static_cast<float>(status);
  comm_->allreduce_sum(failed.data(), failed.size());
  const auto first = std::find_if(failed.begin(), failed.end(), [](float f) { return f != 0.f; });
  if (first == failed.end()) return;
  const int root = static_cast<int>(first - failed.begin());
  std::string message = error;
  uint64_t length = message.size();
  comm_->broadcast(&length, sizeof length, root);
  message.resize(static_cast<size_t>(length));
  comm_->broadcast(message.data(), message.size(), root);
  if (root != rank_) message = "rank " + std::to_string(root) + ": " + message;
  fail(static_cast<Status>(static_cast<int>(*first)), message);
}

void DataParallel::check_same_run(const Fingerprint& mine) const {
  if (!active()) return;
  std::string text = serialise(mine);
  uint64_t length = text.size();
  comm_->broadcast(&length, sizeof length, 0);
  std::string root(static_cast<size_t>(length), '\0');
  if (rank_ == 0) root = text;
  comm_->broadcast(root.data(), root.size(), 0);
  std::string difference = fingerprint_difference(parse(root), mine);
  if (!difference.empty()) {
    const std::string checkpoint = " in the checkpoint and ";
    const size_t at = difference.find(checkpoint);
    if (at != std::string::npos) difference.replace(at, checkpoint.size(), " on rank 0 and ");
    if (difference.size() >= 5 && difference.compare(difference.size() - 5, 5, " here") == 0)
      difference.replace(difference.size() - 5, 5, " on rank " + std::to_string(rank_));
    difference = "rank " + std::to_string(rank_) +
                 " does not train what rank 0 trains (every rank needs the same data, "
                 "model and settings): " +
                 difference;
  }
  agree(difference, Status::communication);
}

size_t DataParallel::steps(size_t count, size_t batch) const {
  const size_t global = batch * static_cast<size_t>(size_);
  const size_t full = count / global, rest = count % global;
  return full + (rest >= static_cast<size_t>(size_) ? 1 : 0);
}

std::vector<size_t> DataParallel::shard(const std::vector<size_t>& order, size_t batch) const {
  if (!active()) return order;
  const size_t global = batch * static_cast<size_t>(size_);
  std::vector<size_t> mine;
  mine.reserve(order.size() / static_cast<size_t>(size_) + batch);
  const size_t n = steps(order.size(), batch);
  for (size_t b = 0; b < n; ++b) {
    const size_t first = b * global, m = std::min(global, order.size() - first);
    mine.insert(
        mine.end(),
        order.begin() + static_cast<std::ptrdiff_t>(first + part_start(m, rank_, size_)),
        order.begin() + static_cast<std::ptrdiff_t>(first + part_start(m, rank_ + 1, size_)));
  }
  return mine;
}

uint64_t DataParallel::rank_seed(uint64_t seed) const {
  return active() ? derive_seed(seed, 0x7A4E0000ull + static_cast<uint64_t>(rank_)) : seed;
}

double DataParallel::sum_batch(BatchTotals& t) const {
  if (!active()) return 1.0;
  const double own = t.weight;
  float v[4] = {static_cast<float>(t.weight), static_cast<float>(t.loss_sum),
                static_cast<float>(t.correct), static_cast<float>(t.decisions)};
  comm_->allreduce_sum(v, 4);
  t = BatchTotals{v[0], v[1], v[2], v[3]};
  return t.weight > 0.0 ? own / t.weight : 0.0;
}

void DataParallel::sum_gradients(const std::vector<nn::Param*>& params) {
  if (!active()) return;
  // Consecutive parameters share a bucket; one larger than a bucket goes alone, in place.
  size_t first = 0;
  while (first < params.size()) {
    size_t last = first, floats = 0;
    while (last < params.size() &&
           (floats == 0 || floats + params[last]->grad.size() <= kBucketFloats))
      floats += params[last++]->grad.size();
    if (last == first + 1) {
      comm_->allreduce_sum(params[first]->grad.data(), params[first]->grad.size());
    } else {
      bucket_.resize(floats);
      gather_gradients(params, first, last, bucket_.data());
      comm_->allreduce_sum(bucket_.data(), floats);
      scatter_gradients(bucket_.data(), params, first, last);
    }
    first = last;
  }
}

void DataParallel::backward(nn::Network& net, const float* dlogits) {
  if (!active()) return net.backward(dlogits);
  if (!comm_->can_start()) {
    net.backward(dlogits);
    return sum_gradients(net.params());
  }
  const std::vector<nn::Param*> params = net.params();
  if (params != bucket_params_) cut_buckets(params);
  started_ = waited_ = 0;
  try {
    net.backward(dlogits, [this](size_t first_final) { start_ready(first_final); });
    start_ready(0);  // every bucket summed even if the hook missed one (it reports 0 last)
    finish();
  } catch (...) {
    drain();
    throw;
  }
}

void DataParallel::cut_buckets(const std::vector<nn::Param*>& params) {
  size_t total = 0;
  for (const nn::Param* p : params) total += p->grad.size();
  // Few calls (each costs a latency per rank), but several, so that the first start early
  // and the last, whose sum nothing overlaps, is small beside the whole.
  const size_t limit = bucket_floats_ > 0
                           ? bucket_floats_
                           : std::clamp(total / 8, kBucketFloats / 16, kBucketFloats);
  buckets_.clear();
  for (size_t last = params.size(); last > 0;) {
    Bucket b;
    b.last = last;
    size_t floats = 0;
    for (b.first = last; b.first > 0; --b.first) {
      const size_t more = params[b.first - 1]->grad.size();
      if (floats > 0 && floats + more > limit) break;
      floats += more;
    }
    if (b.last - b.first > 1) b.data.resize(floats);
    last = b.first;
    buckets_.push_back(std::move(b));
  }
  bucket_params_ = params;
}

void DataParallel::start_ready(size_t first_final) {
  for (; started_ < buckets_.size() && buckets_[started_].first >= first_final; ++started_) {
    Bucket& b = buckets_[started_];
    if (b.data.empty()) {
      std::vector<float>& grad = bucket_params_[b.first]->grad;
      b.request = comm_->start_allreduce_sum(grad.data(), grad.size());
      continue;
    }
    gather_gradients(bucket_params_, b.first, b.last, b.data.data());
    b.request = comm_->start_allreduce_sum(b.data.data(), b.data.size());
  }
  if (started_ > waited_) comm_->progress();
}

void DataParallel::finish() {
  while (waited_ < started_) {
    Bucket& b = buckets_[waited_++];  // counted first: a failed wait was still its one wait
    comm_->wait(b.request);
    if (!b.data.empty()) scatter_gradients(b.data.data(), bucket_params_, b.first, b.last);
  }
}

void DataParallel::drain() noexcept {
  while (waited_ < started_) {
    try {
      comm_->wait(buckets_[waited_++].request);
    } catch (...) {  // the first error is the one reported
    }
  }
}

void DataParallel::share_state(nn::Network& net, bool average_buffers) {
  if (!active()) return;
  for (nn::Param* p : net.params())
    comm_->broadcast(p->value.data(), p->value.size() * sizeof(float), 0);
  const float inv = 1.f / static_cast<float>(size_);
  for (nn::Buffer* b : net.buffers()) {
    if (!average_buffers) {
      comm_->broadcast(b->value.data(), b->value.size() * sizeof(float), 0);
      continue;
    }
    comm_->allreduce_sum(b->value.data(), b->value.size());
    for (float& v : b->value) v *= inv;
  }
  net.weights_changed();
}

void DataParallel::share(double* values, size_t count) const {
  if (active()) comm_->broadcast(values, count * sizeof(double), 0);
}

}  // namespace kcell::train
