// A checkpoint whose optimiser state or best-epoch weights hold NaN or infinity is refused at
// resume with a format error naming the tensor, and the model is left as it was: resuming
// from it would continue (and save) a model with non-finite weights. The checkpoint is
// written by a real run through the C API, then one member is rewritten.
#include <doctest/doctest.h>
#include <kcell/kcell.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../c_api/synthetic.h"
#include "io/npy_header.hpp"
#include "io/npy_writer.hpp"
#include "io/zip_archive.hpp"
#include "io/zip_members.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"

namespace {

constexpr int kSide = 8;
const char* const kSpec = "conv(4,3) bn relu maxpool(2) flatten dense";

std::string tmp_path(const std::string& name) {
  return std::string(KCELL_TEST_TMP_DIR) + "/checkpoint_values_" + name;
}

int stop_after_epoch_0(const kcell_progress* p, void*) { return p->epoch == 0 && p->phase == 1; }

kcell_train_params run_params(const std::string& checkpoint, bool resume) {
  kcell_train_params p;
  kcell_train_params_default(&p);
  p.epochs = 2;
  p.batch_size = 16;
  p.optimizer = KCELL_OPTIMIZER_ADAM;
  p.num_threads = 1;
  p.seed = 3;
  p.monitor = KCELL_MONITOR_VAL_LOSS;  // so that the checkpoint holds best-epoch weights
  p.checkpoint_path = checkpoint.c_str();
  p.resume = resume ? 1 : 0;
  if (!resume) p.progress = stop_after_epoch_0;
  return p;
}

kcell_model* new_model() {
  kcell_model* m = nullptr;
  REQUIRE(kcell_model_create(kSpec, 1, kSide, kSide, 2, 5, &m) == KCELL_OK);
  return m;
}

// The checkpoint of a 2-epoch Adam run cancelled after epoch 0, as members by name.
kcell::test::Members checkpoint_of_first_epoch(kcell_dataset* data, const std::string& path) {
  std::remove(path.c_str());
  kcell_model* model = new_model();
  const kcell_train_params params = run_params(path, false);
  REQUIRE(kcell_train(model, data, data, &params, nullptr) == KCELL_ERROR_CANCELLED);
  kcell_model_free(model);
  return kcell::test::read_members(kcell::test::read_bytes(path));
}

// Member `name` (a float32 .npy) with element 0 set to `value`.
std::vector<uint8_t> with_first_value(const std::vector<uint8_t>& zip_bytes,
                                      const std::string& name, float value) {
  kcell::io::ZipArchive zip(zip_bytes.data(), zip_bytes.size(), "<checkpoint>");
  const kcell::io::NpyHeader header = kcell::io::read_npy_header(*zip.open_member(name));
  std::vector<float> values = kcell::io::read_float32_member(zip, name, header.shape, "the test");
  REQUIRE(!values.empty());
  values[0] = value;
  const std::vector<int64_t> shape(header.shape.begin(), header.shape.end());
  return kcell::io::npy_float32(shape, values.data(), values.size());
}

// Resuming from the checkpoint with `member` damaged is a format error naming it, and
// changes nothing in the model.
void check_resume_refused(kcell_dataset* data, const std::string& member, float value,
                          const char* what) {
  const std::string path = tmp_path("damaged.ckpt");
  kcell::test::Members members = checkpoint_of_first_epoch(data, path);
  REQUIRE(members.count(member) == 1);
  const std::vector<uint8_t> original = kcell::test::read_bytes(path);
  members[member] = with_first_value(original, member, value);
  kcell::test::write_bytes(path, kcell::test::write_members(members));

  kcell_model* model = new_model();
  void* before = nullptr;
  size_t before_size = 0;
  REQUIRE(kcell_model_save_to_memory(model, &before, &before_size) == KCELL_OK);
  const kcell_train_params params = run_params(path, true);
  CHECK(kcell_train(model, data, data, &params, nullptr) == KCELL_ERROR_FORMAT);
  const std::string message = kcell_last_error();
  CHECK_MESSAGE(message.find(member) != std::string::npos, message);
  CHECK_MESSAGE(message.find(what) != std::string::npos, message);
  void* after = nullptr;
  size_t after_size = 0;
  REQUIRE(kcell_model_save_to_memory(model, &after, &after_size) == KCELL_OK);
  CHECK((after_size == before_size && std::memcmp(after, before, before_size) == 0));
  kcell_free(before);
  kcell_free(after);
  kcell_model_free(model);
}

}  // namespace

TEST_CASE("a checkpoint with NaN optimiser state or infinite best weights is refused at resume") {
  kcell_dataset* data = synthetic_dataset(kSide, 2, 48, 16);
  REQUIRE(data != nullptr);
  {
    // The undamaged checkpoint resumes: the refusals below are for the values alone.
    const std::string path = tmp_path("intact.ckpt");
    const kcell::test::Members members = checkpoint_of_first_epoch(data, path);
    CHECK(members.count("optimizer/0.npy") == 1);
    CHECK(members.count("best/0.conv.weight.npy") == 1);
    kcell_model* model = new_model();
    const kcell_train_params params = run_params(path, true);
    CHECK(kcell_train(model, data, data, &params, nullptr) == KCELL_OK);
    kcell_model_free(model);
  }
  SUBCASE("an Adam moment holding NaN") {
    check_resume_refused(data, "optimizer/0.npy", std::numeric_limits<float>::quiet_NaN(),
                         "is NaN");
  }
  SUBCASE("an Adam moment holding infinity") {
    check_resume_refused(data, "optimizer/1.npy", -std::numeric_limits<float>::infinity(),
                         "is infinite");
  }
  SUBCASE("a best-epoch weight holding infinity") {
    check_resume_refused(data, "best/0.conv.weight.npy", std::numeric_limits<float>::infinity(),
                         "is infinite");
  }
  SUBCASE("a best-epoch running variance below zero") {
    check_resume_refused(data, "best/1.bn.running_var.npy", -1.f, "cannot be negative");
  }
  kcell_dataset_free(data);
}
