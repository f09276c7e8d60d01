#include "predict_inputs.hpp"

#include "png_image.hpp"

namespace kcell_cli {
namespace {

PredictSource open_stack(const std::string& path, const ModelInput& input) {
  PredictSource s;
  s.file = path;
  check(kcell_dataset_open(path.c_str(), nullptr, s.stack.out()), "");
  int height = 0, width = 0;
  check(kcell_dataset_shape(s.stack.get(), &s.channels, &height, &width), path);
  if (height != input.height || width != input.width)
    throw Failure(path + ": the images are " + std::to_string(width) + "×" +
                  std::to_string(height) + " pixels; the model takes " +
                  std::to_string(input.width) + "×" + std::to_string(input.height) +
                  " (resize them first; kcell does not resample)");
  check(kcell_dataset_count(s.stack.get(), KCELL_SPLIT_TEST, &s.count), path);
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
  std::vector<uint8_t> pixels(plane * static_cast<size_t>(source.channels));
  check(kcell_dataset_image(source.stack.get(), KCELL_SPLIT_TEST, index, pixels.data(),
                            pixels.size(), nullptr),
        source.file);
  convert_channels(pixels.data(), source.channels, out, input.channels, plane);
}

}  // namespace kcell_cli
