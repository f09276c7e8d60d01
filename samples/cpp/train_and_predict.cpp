// kcell from C++ through the RAII wrapper: open, train, save, load, predict.
//
//   train_and_predict_cpp DATA [EPOCHS] [MODEL_FILE]
#include <kcell/kcell.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATA [EPOCHS] [MODEL_FILE]\n", argv[0]);
    return 2;
  }
  const std::string model_path = argc > 3 ? argv[3] : "model.kcell";
  try {
    kcell::Dataset data(argv[1]);
    const auto chw = data.shape();
    kcell::Model model("reference", chw[0], chw[1], chw[2], data.num_classes());

    kcell_train_params params = kcell::default_train_params();
    params.epochs = argc > 2 ? std::stoi(argv[2]) : 2;
    kcell::History history;
    model.train(data, &data, params, &history);
    for (const auto& e : history.epochs())
      std::printf("epoch %d: train acc %.4f, val acc %.4f\n", e.epoch + 1, e.train_accuracy,
                  e.val_accuracy);

    model.save(model_path);
    kcell::Model loaded = kcell::Model::load(model_path);
    const auto test = loaded.evaluate(data, KCELL_SPLIT_TEST);
    std::printf("loaded model: test accuracy %.4f on %zu images\n", test.accuracy, test.count);

    int32_t label = -1;
    const auto pixels = data.image(KCELL_SPLIT_TEST, 0, &label);
    const auto probs = loaded.predict(pixels.data(), 1);
    const auto best = std::max_element(probs.begin(), probs.end()) - probs.begin();
    std::printf("test image 0: label %d, predicted %ld (p = %.3f)\n", label,
                static_cast<long>(best), probs[static_cast<size_t>(best)]);
  } catch (const kcell::Error& e) {
    std::fprintf(stderr, "kcell: %s (%s)\n", e.what(), kcell_status_string(e.status()));
    return 1;
  }
  return 0;
}
