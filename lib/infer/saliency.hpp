// Saliency maps: where in an image the network found the evidence for a class, from the
// backward pass training already has (nn::Network::class_gradients).
//
//   Grad-CAM (Selvaraju et al. 2017): A the output of a convolutional layer (K maps of
//   h × w), α_k the mean over positions of d logit[c] / d A_k; the map is
//   ReLU(Σ_k α_k A_k), upsampled bilinearly (half-pixel centres, as OpenCV's resize) to
//   the input's H × W. In logit units, not normalised.
//   Input gradient (Simonyan et al. 2014): the largest over channels of
//   |d logit[c] / d x| at each pixel, x the normalised input the network reads.
//
// The logit is the network's own (one view, before temperature and decision bias, which
// scale or shift it but do not move its evidence). The computation runs on a private copy
// of the network, in inference mode (running batch-norm statistics, no dropout), so it
// may run alongside predictions with the same model.
#pragma once

#include <cstddef>
#include <cstdint>

#include "infer/predict.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"

namespace kcell::infer {

enum class SaliencyMethod { gradcam, input_gradient };

// Grad-CAM's default layer: the last convolution or residual block, moved past the batch
// norms and ReLUs right after it (the last convolutional feature maps, after their
// activation). Throws Error(Status::unsupported) when the architecture has no convolution.
size_t gradcam_layer(const spec::Architecture& architecture);

struct SaliencyRequest {
  SaliencyMethod method = SaliencyMethod::gradcam;
  int layer = -1;  // Grad-CAM's layer (a spec index with an image output); -1: gradcam_layer
};

// count × H × W maps of normalised C × H × W float images for classes[i] (each in
// [0, k)). Throws invalid_argument for a layer that does not exist or has a flat output,
// or a non-finite input; not_finite when the model gives non-finite logits or gradients.
void saliency_normalized(const model::Model& model, const float* images, size_t count,
                         const int* classes, const SaliencyRequest& request, float* maps);

// The same for uint8 images (normalised with the model's normalisation). A class of -1
// stands for the model's prediction (infer::predict: test-time augmentation, temperature
// and decision bias); `explained`, when not NULL, receives the count classes mapped.
void saliency(model::Model& model, const uint8_t* images, size_t count, Layout layout,
              int target_class, const SaliencyRequest& request, float* maps, int32_t* explained);

}  // namespace kcell::infer
