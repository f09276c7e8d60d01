// Data-parallel training pieces without MPI: each rank's share of the global batches, and
// synchronised batch norm over two "ranks" (two networks on two threads, summing through
// shared memory) against one network with both halves as one batch; and whole runs on two
// ranks that are two threads of this process, resuming each other's checkpoints on another
// rank count, and the gradient sums overlapped with the backward pass (buckets started as
// their layers finish, failures). tests/mpi runs the whole thing under mpirun.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "model/model.hpp"
#include "nn/batch_norm_sync.hpp"
#include "nn/network.hpp"
#include "spec/architecture.hpp"
#include "test_nn_support.hpp"
#include "test_train_support.hpp"
#include "train/data_parallel.hpp"
#include "train/trainer.hpp"

using kcell::Status;
using kcell::data::Dataset;
using kcell::nn::Network;
using kcell::train::DataParallel;
using kcell::train::Progress;
using kcell::train::TrainConfig;

namespace {

// Rank `rank` of `size`; collective calls are not made by the tests that use it.
class FixedRank : public kcell::train::Communicator {
 public:
  FixedRank(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float*, size_t) override { FAIL("not expected"); }
  void broadcast(void*, size_t, int) override { FAIL("not expected"); }

 private:
  int rank_, size_;
};

// An allreduce between two threads: each adds its numbers, both wait for the other, both
// take the sum; a round starts only when the last one's sum has been taken.
class TwoThreadSum {
 public:
  void sum(float* data, size_t count) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return taking_ == 0; });
    if (arrived_ == 0) acc_.assign(count, 0.0);
    for (size_t i = 0; i < count; ++i) acc_[i] += data[i];
    const int round = round_;
    if (++arrived_ == 2) {
      arrived_ = 0;
      taking_ = 2;
      ++round_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
    for (size_t i = 0; i < count; ++i) data[i] = static_cast<float>(acc_[i]);
    if (--taking_ == 0) cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<double> acc_;
  int arrived_ = 0, taking_ = 0, round_ = 0;
};

std::vector<size_t> iota(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

}  // namespace

TEST_CASE("each rank takes its contiguous share of every global batch, in order") {
  FixedRank r0(0, 2), r1(1, 2);
  const DataParallel a(&r0), b(&r1);
  // 14 images, 3 per rank: global batches [0, 6), [6, 12), and [12, 14) cut 1 + 1.
  CHECK(a.steps(14, 3) == 3);
  CHECK(a.shard(iota(14), 3) == std::vector<size_t>{0, 1, 2, 6, 7, 8, 12});
  CHECK(b.shard(iota(14), 3) == std::vector<size_t>{3, 4, 5, 9, 10, 11, 13});
  // A last global batch of one image cannot feed two ranks: it is dropped on both.
  CHECK(a.steps(13, 3) == 2);
  CHECK(a.shard(iota(13), 3) == std::vector<size_t>{0, 1, 2, 6, 7, 8});
  CHECK(b.shard(iota(13), 3) == std::vector<size_t>{3, 4, 5, 9, 10, 11});
}

TEST_CASE("the ranks' shares cover the order once, and one process keeps it whole") {
  std::vector<size_t> order = iota(101);
  std::reverse(order.begin(), order.end());
  std::vector<size_t> all;
  for (int rank = 0; rank < 3; ++rank) {
    FixedRank r(rank, 3);
    const std::vector<size_t> mine = DataParallel(&r).shard(order, 8);
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all == iota(101));
  const DataParallel one(nullptr);
  CHECK(one.shard(order, 8) == order);
  CHECK(one.steps(101, 8) == 13);
  CHECK(one.rank_seed(7) == 7);
  FixedRank r1(1, 3), r2(2, 3);
  CHECK(DataParallel(&r1).rank_seed(7) != DataParallel(&r2).rank_seed(7));
}

TEST_CASE("a communicator that reports an impossible rank is refused") {
  FixedRank bad(2, 2);
  CHECK_THROWS_AS(DataParallel{&bad}, kcell::Error);
}

TEST_CASE("global batch statistics of two equal halves are each half's") {
  float mean[2] = {1.5f, -2.f}, var[2] = {0.25f, 4.f};
  const float shift[2] = {1.f, 0.f};
  const kcell::nn::StatisticsSum twin = [](float* d, size_t n) {
    for (size_t i = 0; i < n; ++i) d[i] *= 2.f;
  };
  CHECK(kcell::nn::global_batch_statistics(mean, var, shift, 2, 50, twin) == 100);
  CHECK(mean[0] == doctest::Approx(1.5));
  CHECK(mean[1] == doctest::Approx(-2.0));
  CHECK(var[0] == doctest::Approx(0.25));
  CHECK(var[1] == doctest::Approx(4.0));
}

TEST_CASE("synchronised batch norm on two ranks computes what one network does with both halves") {
  const auto arch = kcell::spec::parse_architecture("conv(4,3) bn relu conv(5,3) bn gap dense");
  const int n = 6, c = 2, hw = 7, k = 3;
  const size_t image = static_cast<size_t>(c * hw * hw);
  const std::vector<float> input = kcell::nn::test::random_vector(2 * n * image, 11, -1.0, 2.0);
  const std::vector<float> dlogits = kcell::nn::test::random_vector(2 * n * k, 12);

  Network whole(arch, c, hw, hw, k, 3);
  const float* logits = whole.forward(input.data(), 2 * n, true);
  const std::vector<float> whole_logits(logits, logits + 2 * n * k);
  whole.backward(dlogits.data());

  for (const bool synchronised : {true, false}) {
    Network a(arch, c, hw, hw, k, 3), b(arch, c, hw, hw, k, 3);
    TwoThreadSum sum;
    std::vector<float> half_logits(2 * n * k);
    // Each thread is a rank: its batch norms sum through `sum` (a thread's own setting).
    auto run = [&](Network& net, int half) {
      if (synchronised)
        kcell::nn::batch_statistics_sum() = [&sum](float* d, size_t count) { sum.sum(d, count); };
      const float* out = net.forward(input.data() + half * n * image, n, true);
      std::copy(out, out + n * k, half_logits.begin() + half * n * k);
      net.backward(dlogits.data() + half * n * k);
      kcell::nn::batch_statistics_sum() = nullptr;
    };
    std::thread other([&] { run(b, 1); });
    run(a, 0);
    other.join();

    double logit_error = 0.0, grad_error = 0.0, stats_error = 0.0;
    for (size_t i = 0; i < half_logits.size(); ++i)
      logit_error = std::max(logit_error, std::fabs(double(half_logits[i]) - whole_logits[i]));
    const auto pa = a.params(), pb = b.params(), pw = whole.params();
    // Errors relative to the largest gradient: batch norm's backward subtracts means, so
    // gradients that are zero in exact arithmetic (a convolution's bias before batch norm)
    // are pure rounding.
    double scale = 0.0;
    for (const auto* p : pw)
      for (float g : p->grad) scale = std::max(scale, std::fabs(double(g)));
    for (size_t p = 0; p < pw.size(); ++p)
      for (size_t i = 0; i < pw[p]->grad.size(); ++i) {
        const double summed = double(pa[p]->grad[i]) + pb[p]->grad[i];
        grad_error = std::max(grad_error, std::fabs(summed - pw[p]->grad[i]) / scale);
      }
    const auto ba = a.buffers(), bw = whole.buffers();
    for (size_t j = 0; j < bw.size(); ++j)
      for (size_t i = 0; i < bw[j]->value.size(); ++i)
        stats_error = std::max(stats_error, std::fabs(double(ba[j]->value[i]) - bw[j]->value[i]));
    INFO("synchronised " << synchronised << ": logits " << logit_error << ", gradients "
                         << grad_error << ", running statistics " << stats_error);
    if (synchronised) {
      CHECK(logit_error < 1e-4);
      CHECK(grad_error < 1e-4);
      CHECK(stats_error < 1e-5);
    } else {  // each half's own statistics: visibly different, so the check above can fail
      CHECK(logit_error > 1e-3);
      CHECK(grad_error > 1e-2);
    }
  }
}

namespace {

// Two ranks on two threads of this process: each collective call waits for the other
// thread's, the last to arrive combines both buffers while the first waits.
class ThreadPair {
 public:
  using Combine = std::function<void(void* const (&)[2])>;
  void exchange(int rank, void* data, const Combine& combine) {
    std::unique_lock<std::mutex> lock(m_);
    const long round = round_;
    slot_[rank] = data;
    if (++arrived_ == 2) {
      combine(slot_);
      arrived_ = 0;
      ++round_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  void* slot_[2] = {nullptr, nullptr};
  int arrived_ = 0;
  long round_ = 0;
};

class ThreadRank : public kcell::train::Communicator {
 public:
  ThreadRank(ThreadPair& pair, int rank) : pair_(pair), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return 2; }
  void allreduce_sum(float* data, size_t count) override {
    pair_.exchange(rank_, data, [count](void* const(&s)[2]) {
      auto* a = static_cast<float*>(s[0]);
      auto* b = static_cast<float*>(s[1]);
      for (size_t i = 0; i < count; ++i) a[i] = b[i] = a[i] + b[i];
    });
  }
  void broadcast(void* data, size_t bytes, int root) override {
    pair_.exchange(rank_, data,
                   [bytes, root](void* const(&s)[2]) { std::memcpy(s[1 - root], s[root], bytes); });
  }

 private:
  ThreadPair& pair_;
  int rank_;
};

// ThreadRank with non-blocking sums: a start queues the buffer, its wait makes the
// collective call (so the ranks' calls still pair up in order, the batch norms' blocking
// sums between them).
class OverlappingThreadRank : public ThreadRank {
 public:
  using ThreadRank::ThreadRank;
  bool can_start() const override { return true; }
  Request start_allreduce_sum(float* data, size_t count) override {
    queue_.push_back({data, count});
    return reinterpret_cast<Request>(++starts);
  }
  void wait(Request request) override {
    CHECK(reinterpret_cast<size_t>(request) == ++waits);
    const auto [data, count] = queue_.front();
    queue_.erase(queue_.begin());
    allreduce_sum(data, count);
  }
  size_t starts = 0, waits = 0;

 private:
  std::vector<std::pair<float*, size_t>> queue_;
};

const char* const no_dropout_spec = "conv(4,3) bn relu maxpool(2) flatten dense";

kcell::model::Model small_model() {
  return kcell::model::Model(kcell::spec::parse_architecture(no_dropout_spec), 1, 8, 8, 3, 7);
}

// A run of 4 epochs at global batch 16 with a checkpoint, cancelled after epoch
// `stop_after` (0-based; < 0: not cancelled).
TrainConfig resumable_config(int per_rank_batch, const std::string& checkpoint, int stop_after) {
  TrainConfig c;
  c.epochs = 4;
  c.batch_size = per_rank_batch;
  // SGD: Adam would turn the rounding noise in gradients that are zero in exact arithmetic
  // (a convolution's bias before batch norm) into full-size steps.
  c.optimizer.kind = kcell::train::OptimizerKind::sgd;
  c.optimizer.momentum = 0.9;
  c.learning_rate = 0.02;
  c.num_threads = 1;
  c.seed = 9;
  c.checkpoint_path = checkpoint;
  c.resume = !checkpoint.empty();
  if (stop_after >= 0)
    c.progress = [stop_after](const Progress& p) {
      return !(p.phase == 1 && p.epoch == stop_after);
    };
  return c;
}

// Trains `model` with `config` on two thread ranks (the other rank trains its own copy);
// returns each rank's status.
std::pair<Status, Status> train_on_two_ranks(kcell::model::Model& model, const Dataset& data,
                                             const TrainConfig& config, bool overlap = false) {
  ThreadPair pair;
  OverlappingThreadRank o0(pair, 0), o1(pair, 1);
  ThreadRank b0(pair, 0), b1(pair, 1);
  ThreadRank& r0 = overlap ? o0 : b0;
  ThreadRank& r1 = overlap ? o1 : b1;
  kcell::model::Model other = small_model();
  auto run = [&](kcell::model::Model& m, ThreadRank& r) {
    try {
      kcell::train::train(m, data, nullptr, config, {&r, true});
    } catch (const kcell::Error& e) {
      return e.status();
    }
    return Status::ok;
  };
  Status second = Status::ok;
  std::thread t([&] { second = run(other, r1); });
  const Status first = run(model, r0);
  t.join();
  if (overlap) CHECK((o0.starts > 0 && o0.waits == o0.starts && o1.starts == o0.starts));
  return {first, second};
}

double largest_difference(kcell::model::Model& a, kcell::model::Model& b) {
  double d = 0.0;
  const auto pa = a.network().params(), pb = b.network().params();
  for (size_t p = 0; p < pa.size(); ++p)
    for (size_t i = 0; i < pa[p]->value.size(); ++i)
      d = std::max(d, std::fabs(double(pa[p]->value[i]) - pb[p]->value[i]));
  const auto ba = a.network().buffers(), bb = b.network().buffers();
  for (size_t j = 0; j < ba.size(); ++j)
    for (size_t i = 0; i < ba[j]->value.size(); ++i)
      d = std::max(d, std::fabs(double(ba[j]->value[i]) - bb[j]->value[i]));
  return d;
}

}  // namespace

TEST_CASE("a checkpoint resumes on another rank count that splits the same global batch") {
  const Dataset data = kcell_test::make_train_dataset(64, 0, 3);
  const std::string dir = KCELL_TEST_TMP_DIR;
  kcell::model::Model whole = small_model();
  kcell::train::train(whole, data, nullptr, resumable_config(16, "", -1));

  // Uninterrupted, 2 ranks × 8 are one process × 16.
  kcell::model::Model pair = small_model();
  CHECK(train_on_two_ranks(pair, data, resumable_config(8, "", -1)) ==
        std::make_pair(Status::ok, Status::ok));
  INFO("two ranks: " << largest_difference(pair, whole));
  CHECK(largest_difference(pair, whole) < 1e-4);

  // 2 ranks × 8 for two epochs, then one process × 16 for the other two.
  const std::string two_first = dir + "/data_parallel_two_first.ckpt";
  std::remove(two_first.c_str());
  kcell::model::Model a = small_model();
  CHECK(train_on_two_ranks(a, data, resumable_config(8, two_first, 1)) ==
        std::make_pair(Status::cancelled, Status::cancelled));
  kcell::model::Model a_resumed = small_model();
  kcell::train::train(a_resumed, data, nullptr, resumable_config(16, two_first, -1));
  INFO("two ranks then one: " << largest_difference(a_resumed, whole));
  CHECK(largest_difference(a_resumed, whole) < 1e-4);

  // One process × 16 for two epochs, then 2 ranks × 8.
  const std::string one_first = dir + "/data_parallel_one_first.ckpt";
  std::remove(one_first.c_str());
  kcell::model::Model b = small_model();
  CHECK_THROWS_AS(kcell::train::train(b, data, nullptr, resumable_config(16, one_first, 1)),
                  kcell::Error);
  kcell::model::Model b_resumed = small_model();
  CHECK(train_on_two_ranks(b_resumed, data, resumable_config(8, one_first, -1)) ==
        std::make_pair(Status::ok, Status::ok));
  INFO("one rank then two: " << largest_difference(b_resumed, whole));
  CHECK(largest_difference(b_resumed, whole) < 1e-4);

  // Another global batch is another run: refused, naming the batch size.
  kcell::model::Model c = small_model();
  try {
    kcell::train::train(c, data, nullptr, resumable_config(8, one_first, -1));
    FAIL("a checkpoint of global batch 16 resumed at 8");
  } catch (const kcell::Error& e) {
    CHECK(e.status() == Status::invalid_argument);
    CHECK(std::string(e.what()).find("batch_size") != std::string::npos);
  }
}

TEST_CASE("gradient sums overlapped with the backward pass train to the weights of sums after it") {
  const Dataset data = kcell_test::make_train_dataset(64, 0, 3);
  kcell::model::Model after = small_model(), overlapped = small_model();
  CHECK(train_on_two_ranks(after, data, resumable_config(8, "", -1)) ==
        std::make_pair(Status::ok, Status::ok));
  CHECK(train_on_two_ranks(overlapped, data, resumable_config(8, "", -1), true) ==
        std::make_pair(Status::ok, Status::ok));
  // The same sums of the same numbers: equal to the last bit.
  CHECK(largest_difference(after, overlapped) == 0.0);
}

namespace {

// One rank of two whose twin holds the same numbers (sums are twice each), noting its
// calls; its non-blocking sums sum at the wait, so reading a buffer early would show.
class TwinRecorder : public kcell::train::Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void allreduce_sum(float* data, size_t count) override {
    calls.push_back("sum " + std::to_string(count));
    for (size_t i = 0; i < count; ++i) data[i] *= 2.f;
  }
  void broadcast(void*, size_t, int) override { FAIL("not expected"); }
  bool can_start() const override { return true; }
  Request start_allreduce_sum(float* data, size_t count) override {
    calls.push_back("start " + std::to_string(count));
    if (++starts == fail_start) kcell::fail(Status::communication, "start failed");
    queue_.push_back({data, count, starts});
    return reinterpret_cast<Request>(starts);
  }
  void wait(Request request) override {
    calls.push_back("wait");
    CHECK(reinterpret_cast<size_t>(request) == queue_.front().id);
    const Started s = queue_.front();
    queue_.erase(queue_.begin());
    for (size_t i = 0; i < s.count; ++i) s.data[i] *= 2.f;
    if (++waits == fail_wait) kcell::fail(Status::communication, "wait failed");
  }
  void progress() override { calls.push_back("progress"); }

  std::vector<std::string> calls;
  size_t starts = 0, waits = 0, fail_start = 0, fail_wait = 0;

 private:
  struct Started {
    float* data;
    size_t count;
    size_t id;
  };
  std::vector<Started> queue_;
};

}  // namespace

TEST_CASE("a bucket's sum starts as soon as the backward pass has finished its layers") {
  // params: conv weight 36, bias 4; bn 4 + 4; dense weight 192 (4 × 4 × 4 inputs), bias 3.
  const auto arch = kcell::spec::parse_architecture(no_dropout_spec);
  const std::vector<float> input = kcell::nn::test::random_vector(4 * 64, 21, -1.0, 1.0);
  const std::vector<float> dlogits = kcell::nn::test::random_vector(4 * 3, 22);
  Network alone(arch, 1, 8, 8, 3, 7), net(arch, 1, 8, 8, 3, 7);
  alone.forward(input.data(), 4, true);
  alone.backward(dlogits.data());
  net.forward(input.data(), 4, true);

  TwinRecorder twin;
  DataParallel dp(&twin);
  dp.set_bucket_floats(8);
  dp.backward(net, dlogits.data());
  // From the last parameters down, at most 8 floats unless one is larger: {dense bias},
  // {dense weight}, {bn bias, bn weight}, {conv bias}, {conv weight}.
  CHECK(dp.buckets() == 5);
  const std::vector<std::string> calls = twin.calls;
  REQUIRE(calls.size() > 10);
  CHECK(calls[0] == "start 3");
  CHECK(calls[1] == "start 192");
  // Started after the dense layer's backward, with the layers below still to run: their
  // buckets start later, progress called in between.
  const auto bn = std::find(calls.begin(), calls.end(), "start 8");
  REQUIRE(bn != calls.end());
  CHECK(std::find(calls.begin() + 2, bn, "progress") != bn);
  CHECK(std::find(bn, calls.end(), "start 4") != calls.end());
  CHECK(std::find(bn, calls.end(), "start 36") != calls.end());
  CHECK(std::count(calls.begin(), calls.end(), "wait") == 5);
  CHECK(calls.back() == "wait");
  CHECK(std::find(calls.begin(), calls.end(), "wait") >
        std::find(calls.begin(), calls.end(), "start 36"));
  // The twin's sums: twice the gradients of one network, exactly.
  const auto pa = alone.params(), pn = net.params();
  for (size_t p = 0; p < pa.size(); ++p)
    for (size_t i = 0; i < pa[p]->grad.size(); ++i) CHECK(pn[p]->grad[i] == 2.f * pa[p]->grad[i]);

  // The automatic size: a network this small is one bucket.
  DataParallel automatic(&twin);
  net.forward(input.data(), 4, true);
  automatic.backward(net, dlogits.data());
  CHECK(automatic.buckets() == 1);
}

TEST_CASE(
    "a failing start or wait ends the step with its error after waiting for every started sum") {
  const auto arch = kcell::spec::parse_architecture(no_dropout_spec);
  const std::vector<float> input = kcell::nn::test::random_vector(4 * 64, 21, -1.0, 1.0);
  const std::vector<float> dlogits = kcell::nn::test::random_vector(4 * 3, 22);
  Network net(arch, 1, 8, 8, 3, 7);
  for (const bool at_start : {true, false}) {
    TwinRecorder twin;
    (at_start ? twin.fail_start : twin.fail_wait) = 3;
    DataParallel dp(&twin);
    dp.set_bucket_floats(8);
    net.forward(input.data(), 4, true);
    try {
      dp.backward(net, dlogits.data());
      FAIL("no error");
    } catch (const kcell::Error& e) {
      CHECK(e.status() == Status::communication);
      CHECK(std::string(e.what()) == (at_start ? "start failed" : "wait failed"));
    }
    // A failed start started nothing; every sum that did start was waited for once.
    CHECK(twin.waits == (at_start ? 2u : 5u));
    // The next step works again.
    twin.fail_start = twin.fail_wait = 0;
    twin.starts = twin.waits = 0;
    net.forward(input.data(), 4, true);
    dp.backward(net, dlogits.data());
    CHECK(twin.waits == 5);
  }
}
