// Checkpoint files: a zip (written like a model file) holding checkpoint.json (the run's
// state and fingerprint), model.kcell (a whole model file) and float32 .npy members for
// the optimizer's buffers, the best epoch's weights and the weight average.
#include "train/checkpoint.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "io/json_reader.hpp"
#include "io/npy_writer.hpp"
#include "io/printable.hpp"
#include "io/zip_archive.hpp"
#include "io/zip_members.hpp"
#include "io/zip_writer.hpp"
#include "model/model_file.hpp"
#include "model/tensor_values.hpp"

namespace kcell::train {
namespace {

using nlohmann::json;
using Ordered = nlohmann::ordered_json;

constexpr char kFormat[] = "kcell-checkpoint";
constexpr int kFormatVersion = 1;
constexpr char kStateMember[] = "checkpoint.json";
constexpr char kModelMember[] = "model.kcell";
constexpr uint64_t kMaxStateBytes = 64ull << 20;

std::string optimizer_member(size_t i) { return "optimizer/" + std::to_string(i) + ".npy"; }
std::string tensor_member(const char* prefix, const std::string& tensor) {
  return std::string(prefix) + "/" + tensor + ".npy";
}
constexpr char kBestPrefix[] = "best";
constexpr char kAveragePrefix[] = "ema";

// JSON has no NaN or infinity: a checkpoint keeps them exactly (io::json_exact_number).
Ordered number(double v) { return io::json_exact_number(v); }

Ordered stats_json(const EpochStats& s) {
  return Ordered{{"epoch", s.epoch},
                 {"train_loss", number(s.train_loss)},
                 {"train_accuracy", number(s.train_accuracy)},
                 {"val_loss", number(s.val_loss)},
                 {"val_accuracy", number(s.val_accuracy)},
                 {"val_balanced_accuracy", number(s.val_balanced_accuracy)},
                 {"val_auc", number(s.val_auc)},
                 {"train_val_gap", number(s.train_val_gap)},
                 {"learning_rate", number(s.learning_rate)},
                 {"seconds", number(s.seconds)}};
}

void add_floats(io::ZipWriter& zip, const std::string& name, const std::vector<int64_t>& shape,
                const std::vector<float>& values) {
  const std::vector<uint8_t> npy = io::npy_float32(shape, values.data(), values.size());
  zip.add(name, npy.data(), npy.size());
}

// Every tensor of `snapshot` as member prefix/<tensor name>.npy.
void add_snapshot(io::ZipWriter& zip, const char* prefix, nn::Network& net,
                  const WeightSnapshot& snapshot) {
  const std::vector<nn::Param*> params = net.params();
  const std::vector<nn::Buffer*> buffers = net.buffers();
  if (snapshot.params().size() != params.size() || snapshot.buffers().size() != buffers.size())
    fail(Status::internal, std::string("the ") + prefix + " snapshot does not fit the network");
  for (size_t i = 0; i < params.size(); ++i)
    add_floats(zip, tensor_member(prefix, params[i]->name), params[i]->shape, snapshot.params()[i]);
  for (size_t i = 0; i < buffers.size(); ++i)
    add_floats(zip, tensor_member(prefix, buffers[i]->name), buffers[i]->shape,
               snapshot.buffers()[i]);
}

// Typed reads from checkpoint.json, keyed by field name: a problem names the field.
class StateReader {
 public:
  explicit StateReader(std::string where) : r_(std::move(where)) {}
  [[noreturn]] void error(const std::string& field, const std::string& problem) const {
    r_.error(field, problem);
  }
  const json& at(const json& object, const std::string& key) const {
    return r_.member(object, key);
  }
  int64_t integer(const json& object, const std::string& key, int64_t low, int64_t high) const {
    return r_.integer(object, key, key, low, high);
  }
  uint64_t unsigned_integer(const json& object, const std::string& key) const {
    return r_.unsigned_integer(at(object, key), key);
  }
  double number(const json& object, const std::string& key) const {
    return r_.number(at(object, key), key);
  }
  std::string text(const json& object, const std::string& key) const {
    return r_.text(at(object, key), key);
  }
  bool boolean(const json& object, const std::string& key) const {
    return r_.boolean(at(object, key), key);
  }

 private:
  io::JsonReader r_;
};

// Member `name` as float32 values of exactly `shape`.
std::vector<float> read_floats(io::ZipArchive& zip, const std::string& name,
                               const std::vector<uint64_t>& shape) {
  std::vector<float> values = io::read_float32_member(zip, name, shape, "the run");
  model::check_tensor_values(zip.member_label(name), values);
  return values;
}

template <class Tensor>
std::vector<uint64_t> shape_of(const Tensor& t) {
  return std::vector<uint64_t>(t.shape.begin(), t.shape.end());
}

// The members add_snapshot wrote under `prefix`, for a network with these tensors.
void expect_snapshot(std::set<std::string>& expected, const char* prefix,
                     const std::vector<nn::Param*>& params,
                     const std::vector<nn::Buffer*>& buffers) {
  for (const nn::Param* p : params) expected.insert(tensor_member(prefix, p->name));
  for (const nn::Buffer* b : buffers) expected.insert(tensor_member(prefix, b->name));
}

WeightSnapshot read_snapshot(io::ZipArchive& zip, const char* prefix,
                             const std::vector<nn::Param*>& params,
                             const std::vector<nn::Buffer*>& buffers) {
  std::vector<std::vector<float>> values, buffer_values;
  for (const nn::Param* p : params)
    values.push_back(read_floats(zip, tensor_member(prefix, p->name), shape_of(*p)));
  for (const nn::Buffer* b : buffers)
    buffer_values.push_back(read_floats(zip, tensor_member(prefix, b->name), shape_of(*b)));
  WeightSnapshot s;
  s.assign(std::move(values), std::move(buffer_values));
  return s;
}

}  // namespace

void write_checkpoint(const std::string& path, model::Model& model, const RunState& state,
                      const Fingerprint& fingerprint, const std::string& kcell_version) {
  Ordered history = Ordered::array();
  for (const EpochStats& s : state.history) history.push_back(stats_json(s));
  const bool has_best = !state.best_weights.empty();
  const Ordered doc = {
      {"format", kFormat},
      {"format_version", kFormatVersion},
      {"kcell_version", kcell_version},
      {"run", fingerprint},
      {"epochs_done", state.history.size()},
      {"epochs_before", state.epochs_before},
      {"dropout_step", state.dropout_step},
      {"optimizer",
       {{"steps", state.optimizer.steps}, {"buffers", state.optimizer.tensors.size()}}},
      {"tracker",
       {{"best_epoch", state.tracker.best_epoch},
        {"best", number(state.tracker.best)},
        {"since_best", state.tracker.since_best}}},
      {"best_weights", has_best},
      {"history", history}};
  Ordered full = doc;
  if (!state.average.empty()) full["weight_average"] = {{"steps", state.average_steps}};
  const std::string text = full.dump(2) + "\n";

  io::ZipWriter zip;
  zip.add(kStateMember, text.data(), text.size());
  const std::vector<uint8_t> model_file = model::save_model_to_memory(model, kcell_version);
  zip.add(kModelMember, model_file.data(), model_file.size());
  for (size_t i = 0; i < state.optimizer.tensors.size(); ++i) {
    const std::vector<float>& t = state.optimizer.tensors[i];
    add_floats(zip, optimizer_member(i), {static_cast<int64_t>(t.size())}, t);
  }
  if (has_best) add_snapshot(zip, kBestPrefix, model.network(), state.best_weights);
  if (!state.average.empty()) add_snapshot(zip, kAveragePrefix, model.network(), state.average);
  const std::vector<uint8_t> bytes = zip.finish();
  write_file_atomically(path, bytes.data(), bytes.size());
}

Checkpoint read_checkpoint(const std::string& path, model::Model& model,
                           const OptimizerState& optimizer_like, bool with_average,
                           const Fingerprint& fingerprint, int max_epochs) {
  io::ZipArchive zip(path);
  if (!zip.has_member(kStateMember))
    fail(Status::format,
         path + ": not a kcell checkpoint (it has no " + std::string(kStateMember) + " member)");
  const std::vector<uint8_t> text =
      io::read_member_bytes(zip, kStateMember, kMaxStateBytes, "the member");
  const std::string where = path + ": " + kStateMember;
  const json doc = io::parse_json_object(std::string(text.begin(), text.end()), where);
  const StateReader r(where);
  if (r.text(doc, "format") != kFormat)
    fail(Status::format,
         path + ": not a kcell checkpoint (format '" + io::printable(r.text(doc, "format")) + "')");
  const int64_t version = r.integer(doc, "format_version", 0, INT32_MAX);
  if (version != kFormatVersion)
    fail(Status::format, path + ": checkpoint format version " + std::to_string(version) +
                             " is not supported (this kcell reads version " +
                             std::to_string(kFormatVersion) + ")");

  // The run first: a checkpoint of another run is refused for that, whatever else it holds.
  const json& run = r.at(doc, "run");
  if (!run.is_object()) r.error("run", "must be an object");
  Fingerprint saved;
  for (auto it = run.begin(); it != run.end(); ++it) {
    if (!it.value().is_string()) r.error("run." + it.key(), "must be a string");
    saved[it.key()] = it.value().get<std::string>();
  }
  const std::string difference = fingerprint_difference(saved, fingerprint);
  if (!difference.empty())
    fail(Status::invalid_argument,
         path + " was written by a different training run: " + difference +
             ". Resume with the settings, data and model of that run, or set resume to 0 "
             "to start anew (the checkpoint is then overwritten)");

  Checkpoint c;
  RunState& s = c.state;
  const int64_t epochs_done = r.integer(doc, "epochs_done", 1, max_epochs);
  s.epochs_before = static_cast<int>(r.integer(doc, "epochs_before", 0, INT32_MAX - max_epochs));
  s.dropout_step = r.unsigned_integer(doc, "dropout_step");
  const json& optimizer = r.at(doc, "optimizer");
  s.optimizer.steps = r.integer(optimizer, "steps", 0, INT64_MAX);
  const int64_t buffers = r.integer(optimizer, "buffers", 0, INT32_MAX);
  if (static_cast<size_t>(buffers) != optimizer_like.tensors.size())
    r.error("optimizer.buffers", "is " + std::to_string(buffers) + "; the run's optimizer has " +
                                     std::to_string(optimizer_like.tensors.size()));
  const json& tracker = r.at(doc, "tracker");
  s.tracker.best_epoch = static_cast<int>(r.integer(tracker, "best_epoch", -1, epochs_done - 1));
  s.tracker.best = r.number(tracker, "best");
  s.tracker.since_best = static_cast<int>(r.integer(tracker, "since_best", 0, epochs_done));
  const bool has_best = r.boolean(doc, "best_weights");
  if (has_best != (s.tracker.best_epoch >= 0))
    r.error("best_weights", "disagrees with tracker.best_epoch");
  // Checkpoints of runs without a weight average have no such field.
  const bool has_average = doc.contains("weight_average");
  if (has_average != with_average)
    r.error("weight_average", has_average ? "is present; the run has no weight average"
                                          : "is missing; the run has a weight average");
  if (has_average) s.average_steps = r.unsigned_integer(r.at(doc, "weight_average"), "steps");
  const json& history = r.at(doc, "history");
  if (!history.is_array() || history.size() != static_cast<size_t>(epochs_done))
    r.error("history", "must be an array of epochs_done records");
  for (size_t i = 0; i < history.size(); ++i) {
    const json& h = history[i];
    EpochStats e;
    e.epoch =
        static_cast<int>(r.integer(h, "epoch", static_cast<int64_t>(i), static_cast<int64_t>(i)));
    e.train_loss = r.number(h, "train_loss");
    e.train_accuracy = r.number(h, "train_accuracy");
    e.val_loss = r.number(h, "val_loss");
    e.val_accuracy = r.number(h, "val_accuracy");
    e.val_balanced_accuracy = r.number(h, "val_balanced_accuracy");
    e.val_auc = r.number(h, "val_auc");
    e.train_val_gap = r.number(h, "train_val_gap");
    e.learning_rate = r.number(h, "learning_rate");
    e.seconds = r.number(h, "seconds");
    s.history.push_back(e);
  }

  // Exactly the members this state calls for.
  std::set<std::string> expected = {kStateMember, kModelMember};
  for (size_t i = 0; i < optimizer_like.tensors.size(); ++i) expected.insert(optimizer_member(i));
  const std::vector<nn::Param*> params = model.network().params();
  const std::vector<nn::Buffer*> net_buffers = model.network().buffers();
  if (has_best) expect_snapshot(expected, kBestPrefix, params, net_buffers);
  if (has_average) expect_snapshot(expected, kAveragePrefix, params, net_buffers);
  for (const std::string& member : zip.member_names())
    if (expected.count(member) == 0)
      fail(Status::format, path + ": unexpected member '" + io::printable(member) + "'");
  for (const std::string& member : expected)
    if (!zip.has_member(member))
      fail(Status::format, path + ": member '" + member + "' is missing");

  const std::vector<uint8_t> model_file =
      io::read_member_bytes(zip, kModelMember, model::kMaxModelFileBytes, "a model file");
  try {
    c.model = model::load_model_from_memory(model_file.data(), model_file.size());
  } catch (const Error& e) {
    fail(e.status(), path + ": member " + kModelMember + ": " + e.what());
  }
  if (c.model->architecture().text != model.architecture().text ||
      c.model->channels() != model.channels() || c.model->height() != model.height() ||
      c.model->width() != model.width() || c.model->num_classes() != model.num_classes())
    fail(Status::format, path + ": member " + kModelMember +
                             " holds a model of another architecture or shape than its run");
  if (c.model->training_summary().epochs_trained != s.epochs_before + epochs_done)
    fail(Status::format, path + ": member " + kModelMember + " has trained " +
                             std::to_string(c.model->training_summary().epochs_trained) +
                             " epochs; the checkpoint records " +
                             std::to_string(s.epochs_before + epochs_done));

  for (size_t i = 0; i < optimizer_like.tensors.size(); ++i)
    s.optimizer.tensors.push_back(read_floats(
        zip, optimizer_member(i), {static_cast<uint64_t>(optimizer_like.tensors[i].size())}));
  if (has_best) s.best_weights = read_snapshot(zip, kBestPrefix, params, net_buffers);
  if (has_average) s.average = read_snapshot(zip, kAveragePrefix, params, net_buffers);
  return c;
}

}  // namespace kcell::train
