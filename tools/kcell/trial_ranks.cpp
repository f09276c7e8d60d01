#include "trial_ranks.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "common.hpp"
#include "ranks.hpp"

namespace kcell_cli {
namespace {

// Results travel as bytes: lengths and numbers in this machine's layout (every rank runs
// the same program), doubles bit for bit (NaN included).
class Writer {
 public:
  template <class T>
  void put(const T& value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void put(const std::string& text) {
    put(static_cast<uint64_t>(text.size()));
    out_ += text;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  bool done() const { return at_ == in_.size(); }
  template <class T>
  T get() {
    T value{};
    need(sizeof value);
    std::memcpy(&value, in_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  std::string text() {
    const auto size = static_cast<size_t>(get<uint64_t>());
    need(size);
    std::string out = in_.substr(at_, size);
    at_ += size;
    return out;
  }

 private:
  void need(size_t bytes) const {
    if (in_.size() - at_ < bytes) throw Failure("a rank sent a truncated trial result");
  }
  const std::string& in_;
  size_t at_ = 0;
};

void write_row(Writer& w, const SweepRow& row) {
  w.put(static_cast<uint64_t>(row.combination.size()));
  for (const auto& [key, value] : row.combination) {
    w.put(key);
    w.put(value);
  }
  w.put(row.kept_epoch);
  w.put(row.epochs_run);
  for (double v : {row.val_loss, row.val_accuracy, row.val_balanced_accuracy, row.val_auc,
                   row.train_val_gap, row.seconds})
    w.put(v);
}

SweepRow read_row(Reader& r) {
  SweepRow row;
  const auto pairs = r.get<uint64_t>();
  for (uint64_t i = 0; i < pairs; ++i) {
    std::string key = r.text();
    row.combination.emplace_back(std::move(key), r.text());
  }
  row.kept_epoch = r.get<int>();
  row.epochs_run = r.get<int>();
  for (double* v : {&row.val_loss, &row.val_accuracy, &row.val_balanced_accuracy, &row.val_auc,
                    &row.train_val_gap, &row.seconds})
    *v = r.get<double>();
  return row;
}

}  // namespace

TrialRound::TrialRound(size_t count) : results_(count) {}

int TrialRound::owner(size_t trial) const { return static_cast<int>(trial % run_size()); }

bool TrialRound::mine(size_t trial) const { return owner(trial) == run_rank(); }

void TrialRound::finish(size_t trial, const SweepRow& row, int planned_epochs) {
  results_.at(trial) = TrialResult{true, row, planned_epochs};
}

std::vector<TrialResult> TrialRound::exchange() {
  // The one wait that may last a trial: without KCELL_MPI_TIMEOUT (docs/scaling.md).
  wait_for_ranks();
  for (int root = 0; root < run_size(); ++root) {
    Writer w;
    if (root == run_rank())
      for (size_t i = 0; i < results_.size(); ++i)
        if (mine(i) && results_[i].ran) {
          w.put(static_cast<uint64_t>(i));
          w.put(results_[i].planned_epochs);
          write_row(w, results_[i].row);
        }
    const std::string bytes = broadcast_bytes(w.take(), root);
    if (root == run_rank()) continue;
    Reader r(bytes);
    while (!r.done()) {
      const auto i = static_cast<size_t>(r.get<uint64_t>());
      if (i >= results_.size() || owner(i) != root)
        throw Failure("rank " + std::to_string(root) + " sent a result of a trial it did not run");
      results_[i].ran = true;
      results_[i].planned_epochs = r.get<int>();
      results_[i].row = read_row(r);
    }
  }
  return results_;
}

void move_to_rank0(std::optional<kcell::Model>& model, int owner) {
  if (owner == 0) {
    if (run_rank() != 0) model.reset();
    return;
  }
  std::string bytes;
  if (run_rank() == owner) {
    if (!model) throw Failure("rank " + std::to_string(owner) + " lost a trial's model");
    const std::vector<uint8_t> file = in_context("", [&] { return model->save_to_memory(); });
    bytes.assign(file.begin(), file.end());
  }
  model.reset();
  bytes = broadcast_bytes(std::move(bytes), owner);
  if (run_rank() != 0) return;
  in_context("the model rank " + std::to_string(owner) + " sent",
             [&] { model.emplace(kcell::Model::load_from_memory(bytes.data(), bytes.size())); });
}

}  // namespace kcell_cli
