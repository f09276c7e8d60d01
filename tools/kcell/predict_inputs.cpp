#include "predict_inputs.hpp"

#include "png_image.hpp"

namespace kcell_cli {
namespace {

PredictSource open_stack(const std::string& path, const ModelInput& input) {
  PredictSource s;
  s.file = path;
  const kcell::Dataset& stack = s.stack.emplace(path);
  const std::vector<int> chw = in_context(path, [&] { return stack.shape(); });
  s.channels = chw[0];
  const int height = chw[1], width = chw[2];
  if (height != input.height || width != input.width)
    throw Failure(path + ": the images are " + std::to_string(width) + "×" +
                  std::to_string(height) + " pixels; the model takes " +
                  std::to_string(input.width) + "×" + std::to_string(input.height) +
                  " (resize them first; kcell does not resample)");
  s.count = in_context(path, [&] { return stack.count(KCELL_SPLIT_TEST); });
  if (s.count == 0) throw Failure(path + ": has no images to predict (no test split)");
  return s;
}

}  // namespace

std::string PredictSource::label(size_t index) const {
  return is_png ? file : file + "[" + std::to_string(index) + "]";
}

std::vector<PredictSource> open_predict_inputs(const std::vector<std::string>& paths,
                                               const ModelInput& input) {
  std::vector<PredictSource> sources;
  for (const std::string& path : paths) {
    if (looks_like_png(path)) {
      PredictSource s;
      s.file = path;
      s.is_png = true;
      s.png = read_png(path, input.height, input.width);
      s.channels = s.png.channels;
      s.count = 1;
      sources.push_back(std::move(s));
    } else {
      sources.push_back(open_stack(path, input));
    }
  }
  return sources;
}

void copy_model_image(const PredictSource& source, size_t index, const ModelInput& input,
                      uint8_t* out) {
  const size_t plane = static_cast<size_t>(input.height) * static_cast<size_t>(input.width);
  if (source.is_png) {
    convert_channels(source.png.pixels.data(), source.channels, out, input.channels, plane);
    return;
  }
  const std::vector<uint8_t> pixels =
      in_context(source.file, [&] { return source.stack->image(KCELL_SPLIT_TEST, index); });
  convert_channels(pixels.data(), source.channels, out, input.channels, plane);
}

}  // namespace kcell_cli
