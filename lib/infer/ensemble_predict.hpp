// Prediction with an ensemble: the mean of its members' softmax probabilities
// (model/ensemble_file.hpp). Thread rules as infer/predict.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "infer/predict.hpp"
#include "model/model.hpp"

namespace kcell::infer {

// As predict() for each member, then averaged per image and class. One member gives
// exactly predict()'s numbers. The members must agree as check_ensemble_members requires.
void predict_mean(const std::vector<model::Model*>& members, const uint8_t* images, size_t count,
                  Layout layout, float* probabilities);

// The same from already normalised floats (predict_normalized).
void predict_normalized_mean(const std::vector<model::Model*>& members, const float* images,
                             size_t count, float* probabilities);

// rows × k: out = mean over the member arrays (each rows × k), accumulated in double.
void mean_of_rows(const std::vector<std::vector<float>>& arrays, float* out);

}  // namespace kcell::infer
