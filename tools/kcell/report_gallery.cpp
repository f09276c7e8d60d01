#include "report_gallery.hpp"

#include <algorithm>
#include <cstdint>

#include "common.hpp"
#include "png_image.hpp"
#include "saliency_overlay.hpp"
#include "svg.hpp"

namespace kcell_cli {
namespace {

std::string base64(const std::string& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? digits[v & 63] : '=';
  }
  return out;
}

}  // namespace

Gallery build_gallery(const kcell::Model& model, const kcell::Dataset& data, kcell_split split,
                      size_t per_kind, size_t scan) {
  Gallery g;
  if (model.member_count() > 1) {
    g.note = "An ensemble has no saliency maps of its own (explain its members).";
    return g;
  }
  const kcell_model_info info = model.info();
  if (info.task == KCELL_TASK_MULTI_LABEL) {  // no single class per image to pick by
    g.note = "A multi-label model has no gallery: explain one label at a time with kcell explain.";
    return g;
  }
  const size_t k = static_cast<size_t>(info.num_classes);
  const size_t bytes = static_cast<size_t>(info.channels) * static_cast<size_t>(info.height) *
                       static_cast<size_t>(info.width);
  const size_t plane = static_cast<size_t>(info.height) * static_cast<size_t>(info.width);
  const size_t count = std::min(data.count(split), scan);
  // Pick the images: the first right and wrong ones of each true class.
  std::vector<size_t> right(k), wrong(k);
  std::vector<GalleryItem> picked;
  std::vector<uint8_t> images;
  constexpr size_t kBatch = 256;
  std::vector<uint8_t> batch;
  std::vector<int32_t> labels;
  for (size_t first = 0; first < count; first += kBatch) {
    const size_t n = std::min(kBatch, count - first);
    batch.resize(n * bytes);
    labels.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const std::vector<uint8_t> px = data.image(split, first + i, &labels[i]);
      std::copy(px.begin(), px.end(), batch.begin() + static_cast<std::ptrdiff_t>(i * bytes));
    }
    const std::vector<float> p = model.predict(batch.data(), n);
    for (size_t i = 0; i < n; ++i) {
      if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= k) continue;
      const float* row = &p[i * k];
      const size_t best = static_cast<size_t>(std::max_element(row, row + k) - row);
      const size_t truth = static_cast<size_t>(labels[i]);
      size_t& taken = best == truth ? right[truth] : wrong[truth];
      if (taken >= per_kind) continue;
      ++taken;
      GalleryItem item;
      item.index = first + i;
      item.truth = labels[i];
      item.predicted = static_cast<int>(best);
      item.probability = row[best];
      picked.push_back(item);
      images.insert(images.end(), batch.begin() + static_cast<std::ptrdiff_t>(i * bytes),
                    batch.begin() + static_cast<std::ptrdiff_t>((i + 1) * bytes));
    }
    bool full = true;
    for (size_t c = 0; c < k; ++c) full = full && right[c] >= per_kind && wrong[c] >= per_kind;
    if (full) break;
  }
  if (picked.empty()) {
    g.note = "The split has no labelled images to show.";
    return g;
  }
  kcell_explain_options options = kcell::default_explain_options();
  g.method = "Grad-CAM";
  kcell::Explanation e;
  try {
    e = model.explain(images.data(), picked.size(), -1, options);
  } catch (const kcell::Error& error) {
    if (error.status() != KCELL_ERROR_UNSUPPORTED) throw;
    options.method = KCELL_SALIENCY_INPUT_GRADIENT;  // no convolution to look at
    g.method = "input gradient";
    e = model.explain(images.data(), picked.size(), -1, options);
  }
  for (size_t i = 0; i < picked.size(); ++i) {
    const Image8 picture = saliency_overlay(&images[i * bytes], info.channels, info.height,
                                            info.width, &e.maps[i * plane], 96);
    const std::vector<uint8_t> png = encode_png(picture);
    picked[i].png.assign(png.begin(), png.end());
    picked[i].predicted = e.classes[i];  // the class explained is the predicted one
  }
  g.items = std::move(picked);
  if (count < data.count(split))
    g.note = "Picked from the first " + std::to_string(count) + " images of the split.";
  return g;
}

std::string render_gallery(const Gallery& g, const std::vector<std::string>& names) {
  std::string out =
      "<section class=\"panel\" id=\"gallery\"><h2>What the model looked at</h2>"
      "<p class=\"note\">";
  if (g.items.empty()) return out + svg::escape(g.note) + "</p></section>";
  out +=
      "For each true class, the first images of the split it classified right and wrong; "
      "beside each image its " +
      svg::escape(g.method) +
      " map for the predicted class (blue to red: weak to strong evidence, scaled to "
      "each map's maximum). " +
      svg::escape(g.note) + "</p>";
  for (size_t c = 0; c < names.size(); ++c) {
    std::string row;
    for (const bool correct : {true, false})
      for (const GalleryItem& item : g.items) {
        if (static_cast<size_t>(item.truth) != c || (item.truth == item.predicted) != correct)
          continue;
        const std::string caption = "#" + std::to_string(item.index) + " → " +
                                    names[static_cast<size_t>(item.predicted)] + " (" +
                                    svg::fixed(item.probability, 2) + ")";
        row += std::string("<figure class=\"") + (correct ? "right" : "wrong") + "\"><img alt=\"" +
               svg::escape(caption) + "\" src=\"data:image/png;base64," + base64(item.png) +
               "\"><figcaption>" + (correct ? "✓ " : "✗ ") + svg::escape(caption) +
               "</figcaption></figure>";
      }
    if (row.empty()) continue;
    out += "<h3>" + svg::escape(names[c]) + "</h3><div class=\"gallery\">" + row + "</div>";
  }
  return out + "</section>";
}

}  // namespace kcell_cli
