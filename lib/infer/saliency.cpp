#include "infer/saliency.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "model/normalization.hpp"
#include "nn/layer.hpp"
#include "nn/network.hpp"

namespace kcell::infer {
namespace {

using spec::LayerKind;

// Images per backward pass: bounds the activations kept (ResNet-18 at 224 × 224 needs
// about 30 MB per image) while still using the compute threads.
constexpr size_t kChunk = 16;

// The layer whose output Grad-CAM reads, checked against the network.
size_t checked_layer(const model::Model& model, int layer) {
  if (layer < 0) return gradcam_layer(model.architecture());
  const size_t index = static_cast<size_t>(layer);
  if (index >= model.architecture().layers.size())
    fail(Status::invalid_argument,
         "Grad-CAM layer " + std::to_string(layer) + " does not exist; the model has " +
             std::to_string(model.architecture().layers.size()) + " layers");
  const LayerKind kind = model.architecture().layers[index].kind;
  if (model.network().layer(index).out_shape().flat || kind == LayerKind::flatten ||
      kind == LayerKind::dense)
    fail(Status::invalid_argument, "Grad-CAM layer " + std::to_string(layer) + " (" +
                                       spec::layer_name(model.architecture().layers[index].kind) +
                                       ") has a flat output; Grad-CAM needs feature maps");
  return index;
}

// One coordinate of bilinear resizing with half-pixel centres: the two source indices
// and the weight of the second.
struct Tap {
  int64_t lo = 0, hi = 0;
  float w = 0;
};
std::vector<Tap> resize_taps(int64_t from, int64_t to) {
  std::vector<Tap> taps(static_cast<size_t>(to));
  const double scale = static_cast<double>(from) / static_cast<double>(to);
  for (int64_t i = 0; i < to; ++i) {
    const double x = std::clamp((static_cast<double>(i) + 0.5) * scale - 0.5, 0.0,
                                static_cast<double>(from - 1));
    Tap& t = taps[static_cast<size_t>(i)];
    t.lo = static_cast<int64_t>(std::floor(x));
    t.hi = std::min(t.lo + 1, from - 1);
    t.w = static_cast<float>(x - static_cast<double>(t.lo));
  }
  return taps;
}

// ReLU(Σ_k α_k A_k) of one image (A, G: K × h × w), resized to H × W into `out`.
void gradcam_map(const float* a, const float* g, const nn::Shape& s, int64_t height, int64_t width,
                 float* out) {
  const size_t plane = static_cast<size_t>(s.h * s.w);
  std::vector<double> cam(plane, 0.0);
  for (int64_t k = 0; k < s.c; ++k) {
    const float* ak = a + static_cast<size_t>(k) * plane;
    const float* gk = g + static_cast<size_t>(k) * plane;
    double alpha = 0;
    for (size_t p = 0; p < plane; ++p) alpha += gk[p];
    alpha /= static_cast<double>(plane);
    for (size_t p = 0; p < plane; ++p) cam[p] += alpha * ak[p];
  }
  for (double& v : cam) v = std::max(v, 0.0);
  const std::vector<Tap> ys = resize_taps(s.h, height), xs = resize_taps(s.w, width);
  for (int64_t y = 0; y < height; ++y) {
    const Tap& ty = ys[static_cast<size_t>(y)];
    for (int64_t x = 0; x < width; ++x) {
      const Tap& tx = xs[static_cast<size_t>(x)];
      auto at = [&](int64_t r, int64_t c) { return cam[static_cast<size_t>(r * s.w + c)]; };
      const double top = at(ty.lo, tx.lo) * (1 - tx.w) + at(ty.lo, tx.hi) * tx.w;
      const double bottom = at(ty.hi, tx.lo) * (1 - tx.w) + at(ty.hi, tx.hi) * tx.w;
      out[y * width + x] = static_cast<float>(top * (1 - ty.w) + bottom * ty.w);
    }
  }
}

void require_finite(const float* values, size_t count, const char* what) {
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]))
      fail(Status::not_finite,
           std::string("the model gives non-finite ") + what + " (are its weights finite?)");
}

}  // namespace

size_t gradcam_layer(const spec::Architecture& architecture) {
  const auto& layers = architecture.layers;
  size_t found = layers.size();
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].kind == LayerKind::conv || layers[i].kind == LayerKind::basic_block) found = i;
  if (found == layers.size())
    fail(Status::unsupported,
         "the architecture has no convolution for Grad-CAM (use the input gradient)");
  while (found + 1 < layers.size() && (layers[found + 1].kind == LayerKind::batch_norm ||
                                       layers[found + 1].kind == LayerKind::relu))
    ++found;
  return found;
}

namespace {

// The maps of one model, chunk by chunk, on a private network: class_gradients writes
// activations and parameter gradients, and predictions may read the model's network
// meanwhile.
class Explainer {
 public:
  Explainer(const model::Model& model, const SaliencyRequest& request)
      : model_(model),
        gradcam_(request.method == SaliencyMethod::gradcam),
        layer_(gradcam_ ? checked_layer(model, request.layer) : 0),
        net_(model.architecture(), model.channels(), model.height(), model.width(),
             model.num_classes(), model.seed()) {
    net_.copy_weights_from(model.network());
    if (gradcam_) shape_ = net_.layer(layer_).out_shape();
  }

  // n <= kChunk normalised images.
  void maps(const float* images, size_t n, const int* classes, float* maps) {
    const size_t image = model_.input_size();
    for (size_t i = 0; i < n * image; ++i)
      if (!std::isfinite(images[i]))
        fail(Status::invalid_argument, "image " + std::to_string(i / image) +
                                           " holds a non-finite value; inputs must be finite");
    const int64_t height = model_.height(), width = model_.width();
    const size_t plane = static_cast<size_t>(height * width);
    const size_t size = static_cast<size_t>(shape_.size());
    nn::ClassGradients out;
    logits_.resize(n * static_cast<size_t>(model_.num_classes()));
    out.logits = logits_.data();
    if (gradcam_) {
      activation_.resize(n * size);
      gradient_.resize(n * size);
      out.layer = layer_;
      out.activation = activation_.data();
      out.gradient = gradient_.data();
    } else {
      input_grad_.resize(n * image);
      out.input = input_grad_.data();
    }
    net_.class_gradients(images, static_cast<int>(n), classes, out);
    require_finite(logits_.data(), logits_.size(), "logits");
    for (size_t i = 0; i < n; ++i) {
      float* map = maps + i * plane;
      if (gradcam_) {
        require_finite(&activation_[i * size], size, "activations");
        require_finite(&gradient_[i * size], size, "gradients");
        gradcam_map(&activation_[i * size], &gradient_[i * size], shape_, height, width, map);
        continue;
      }
      const float* g = &input_grad_[i * image];
      require_finite(g, image, "gradients");
      for (size_t p = 0; p < plane; ++p) {
        float m = 0;
        for (int c = 0; c < model_.channels(); ++c)
          m = std::max(m, std::fabs(g[static_cast<size_t>(c) * plane + p]));
        map[p] = m;
      }
    }
  }

 private:
  const model::Model& model_;
  bool gradcam_;
  size_t layer_;
  nn::Network net_;
  nn::Shape shape_;
  std::vector<float> logits_, input_grad_, activation_, gradient_;
};

}  // namespace

void saliency_normalized(const model::Model& model, const float* images, size_t count,
                         const int* classes, const SaliencyRequest& request, float* maps) {
  if (count == 0) return;
  Explainer explainer(model, request);
  const size_t image = model.input_size();
  const size_t plane = static_cast<size_t>(model.height()) * static_cast<size_t>(model.width());
  for (size_t first = 0; first < count; first += kChunk)
    explainer.maps(images + first * image, std::min(kChunk, count - first), classes + first,
                   maps + first * plane);
}

void saliency(model::Model& model, const uint8_t* images, size_t count, Layout layout,
              int target_class, const SaliencyRequest& request, float* maps, int32_t* explained) {
  if (count == 0) return;
  const int k = model.num_classes();
  if (target_class < -1 || target_class >= k)
    fail(Status::invalid_argument, "class " + std::to_string(target_class) + " is not in [0, " +
                                       std::to_string(k) + ") (or -1 for the predicted class)");
  std::vector<int> classes(count, target_class);
  if (target_class < 0) {
    std::vector<float> p(count * static_cast<size_t>(k));
    predict(model, images, count, layout, p.data());
    for (size_t i = 0; i < count; ++i) {
      const float* row = &p[i * static_cast<size_t>(k)];
      classes[i] = static_cast<int>(std::max_element(row, row + k) - row);
    }
  }
  const int channels = model.channels();
  const size_t pixels = static_cast<size_t>(model.height()) * static_cast<size_t>(model.width());
  const size_t image = model.input_size();
  const model::PixelNormalizer normalizer(model.normalization(), channels, pixels);
  Explainer explainer(model, request);
  std::vector<float> input(std::min(count, kChunk) * image);
  std::vector<uint8_t> planar(layout == Layout::nhwc ? image : 0);
  for (size_t first = 0; first < count; first += kChunk) {
    const size_t n = std::min(kChunk, count - first);
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* src = images + (first + i) * image;
      if (layout == Layout::nhwc) {
        to_planar(src, pixels, channels, planar.data());
        src = planar.data();
      }
      normalizer.convert(src, &input[i * image]);
    }
    explainer.maps(input.data(), n, &classes[first], maps + first * pixels);
  }
  if (explained != nullptr) std::copy(classes.begin(), classes.end(), explained);
}

}  // namespace kcell::infer
