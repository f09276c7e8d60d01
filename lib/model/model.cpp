#include "model/model.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"
#include "spec/summary.hpp"

namespace kcell::model {
namespace {

void check_between(int value, int low, int high, const char* name) {
  if (value < low || value > high)
    fail(Status::invalid_argument, std::string(name) + " must be in [" + std::to_string(low) +
                                       ", " + std::to_string(high) + "], got " +
                                       std::to_string(value));
}

}  // namespace

Model::Model(spec::Architecture architecture, int channels, int height, int width, int num_classes,
             uint64_t seed)
    : architecture_(std::move(architecture)),
      channels_(channels),
      height_(height),
      width_(width),
      num_classes_(num_classes),
      seed_(seed) {
  if (channels != 1 && channels != 3)
    fail(Status::invalid_argument, "channels must be 1 or 3, got " + std::to_string(channels));
  check_between(height, 1, 4096, "height");
  check_between(width, 1, 4096, "width");
  check_between(num_classes, 2, 65536, "class count");
  // Counted from the spec before any weight is allocated: a typo such as dense(100000000)
  // must fail at once, not take gigabytes.
  const int64_t params =
      spec::summarize(architecture_, channels, height, width, num_classes).total_params;
  if (params > kMaxModelParams)
    fail(Status::limit, "the architecture has " + std::to_string(params) +
                            " parameters; kcell models have at most " +
                            std::to_string(kMaxModelParams));
  network_ =
      std::make_unique<nn::Network>(architecture_, channels, height, width, num_classes, seed);
}

Model::~Model() = default;

size_t Model::input_size() const {
  return static_cast<size_t>(channels_) * static_cast<size_t>(height_) *
         static_cast<size_t>(width_);
}

void Model::set_normalization(Normalization normalization) {
  if (!normalization.empty() || !normalization.std.empty()) {
    const size_t c = static_cast<size_t>(channels_);
    if (normalization.mean.size() != c || normalization.std.size() != c)
      fail(Status::invalid_argument, "normalisation needs one mean and one std per channel (" +
                                         std::to_string(c) + "), got " +
                                         std::to_string(normalization.mean.size()) + " and " +
                                         std::to_string(normalization.std.size()));
    for (size_t i = 0; i < c; ++i)
      // |mean| <= 1e3 and std >= 1e-6 keep (pixel - mean) / std finite in float (the
      // trainer itself never stores a std below 1e-6).
      if (!(std::fabs(normalization.mean[i]) <= 1e3f) || !(normalization.std[i] >= 1e-6f) ||
          !std::isfinite(normalization.std[i]))
        fail(Status::invalid_argument,
             "normalisation of channel " + std::to_string(i) +
                 " needs a mean in [-1000, 1000] and a finite std of at least 1e-6, got mean " +
                 std::to_string(normalization.mean[i]) + " and std " +
                 std::to_string(normalization.std[i]));
  }
  normalization_ = std::move(normalization);
}

namespace {
constexpr const char* kDecisionRuleNames[] = {"argmax", "validation_priors", "balanced", "given"};
}

const char* decision_rule_name(DecisionRule rule) {
  return kDecisionRuleNames[static_cast<int>(rule)];
}

bool decision_rule_from_name(const std::string& name, DecisionRule* rule) {
  for (int i = 0; i < 4; ++i)
    if (name == kDecisionRuleNames[i]) {
      *rule = static_cast<DecisionRule>(i);
      return true;
    }
  return false;
}

namespace {
constexpr const char* kTtaNames[] = {"none", "flips", "flips4", "dihedral"};
}

const char* tta_name(Tta tta) { return kTtaNames[static_cast<int>(tta)]; }

bool tta_from_name(const std::string& name, Tta* tta) {
  for (int i = 0; i < 4; ++i)
    if (name == kTtaNames[i]) {
      *tta = static_cast<Tta>(i);
      return true;
    }
  return false;
}

int tta_views(Tta tta) { return 1 << static_cast<int>(tta); }

void Model::set_tta(Tta tta, bool given) {
  if (tta == Tta::dihedral && height_ != width_)
    fail(Status::invalid_argument,
         "dihedral test-time augmentation turns images by quarter turns and needs square "
         "images; the model's input is " +
             std::to_string(height_) + "x" + std::to_string(width_) + " (use flips4)");
  tta_ = tta;
  tta_given_ = given;
}

void Model::set_task(data::TaskKind task) {
  // A bias, a temperature and conformal sets describe softmax outputs: they go with them.
  if (task != task_) {
    decision_bias_.clear();
    decision_rule_ = DecisionRule::argmax;
    temperature_ = 1.0;
    conformal_.reset();
  }
  task_ = task;
}

void Model::refuse_if_multi_label(const char* what) const {
  if (multi_label())
    fail(Status::invalid_argument,
         std::string(what) +
             " belongs to one-class-per-image (softmax) outputs; a multi-label model's "
             "outputs are independent sigmoids (docs/multi-label.md)");
}

void Model::set_decision_bias(std::vector<float> bias, DecisionRule rule) {
  if (!bias.empty()) refuse_if_multi_label("a decision bias");
  if (!bias.empty() && bias.size() != static_cast<size_t>(num_classes_))
    fail(Status::invalid_argument, "a decision bias needs one value per class (" +
                                       std::to_string(num_classes_) + "), got " +
                                       std::to_string(bias.size()));
  for (float b : bias)
    if (!std::isfinite(b)) fail(Status::invalid_argument, "a decision bias must be finite");
  if (!bias.empty() && rule == DecisionRule::argmax)
    fail(Status::invalid_argument, "a decision bias cannot have the argmax rule");
  decision_rule_ = bias.empty() ? DecisionRule::argmax : rule;
  decision_bias_ = std::move(bias);
}

void Model::set_temperature(double temperature) {
  if (!(temperature >= kMinTemperature && temperature <= kMaxTemperature))
    fail(Status::invalid_argument, "a temperature must lie in [" + std::to_string(kMinTemperature) +
                                       ", " + std::to_string(kMaxTemperature) + "], got " +
                                       std::to_string(temperature));
  if (temperature != 1.0) refuse_if_multi_label("temperature scaling");
  temperature_ = temperature;
}

void Model::set_conformal(std::optional<Conformal> conformal) {
  if (conformal) {
    refuse_if_multi_label("a conformal prediction set");
    if (!(conformal->alpha > 0.0 && conformal->alpha < 1.0))
      fail(Status::invalid_argument,
           "a conformal alpha must lie in (0, 1), got " + std::to_string(conformal->alpha));
    // +infinity is allowed (too few rows for alpha: every class); NaN is not.
    if (std::isnan(conformal->quantile))
      fail(Status::invalid_argument, "a conformal quantile must not be NaN");
    if (conformal->calibration_count < 1)
      fail(Status::invalid_argument, "a conformal calibration needs at least one row");
  }
  conformal_ = conformal;
}

}  // namespace kcell::model
