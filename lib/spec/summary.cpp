// Shape inference layer by layer, with the parameter and FLOP conventions written out in
// docs/architecture.md. All arithmetic is checked, so absurd specs fail instead of wrapping.
#include "spec/summary.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"

namespace kcell::spec {
namespace {

int64_t mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    fail(Status::limit, "model summary: a size, parameter or FLOP count exceeds 64 bits");
  return r;
}
int64_t mul(int64_t a, int64_t b, int64_t c) { return mul(mul(a, b), c); }

int64_t add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    fail(Status::limit, "model summary: a parameter or FLOP count exceeds 64 bits");
  return r;
}

int64_t elements(const Shape& s) { return mul(s.channels, s.height, s.width); }

// What a message calls the layer: its number in the spec and its text.
std::string name_of(size_t index, const std::string& text) {
  return "layer " + std::to_string(index + 1) + " '" + text + "'";
}

void require_map(const Shape& in, const std::string& who) {
  if (in.flat)
    fail(Status::spec, who + " needs a channels x height x width map but gets a flat vector of " +
                           std::to_string(in.channels) + " features (after flatten or dense)");
}

// Output size of a sliding window along one axis (floor mode, as PyTorch and oneDNN).
int64_t window_out(int64_t size, int64_t kernel, int64_t stride, int64_t pad,
                   const std::string& who, const Shape& in) {
  const int64_t span = size + 2 * pad;
  if (span < kernel)
    fail(Status::spec, who + " needs an input of at least " + std::to_string(kernel) + "x" +
                           std::to_string(kernel) + (pad > 0 ? " (after padding)" : "") +
                           " but gets " + shape_text(in) +
                           "; the map has shrunk too far for this input size");
  return (span - kernel) / stride + 1;
}

// Hand-built specs skip the parser's checks; reject what would make the arithmetic wrong.
void check_fields(const LayerSpec& l, const std::string& who) {
  const bool sized = l.kind == LayerKind::conv || l.kind == LayerKind::basic_block;
  const bool windowed =
      l.kind == LayerKind::conv || l.kind == LayerKind::max_pool || l.kind == LayerKind::avg_pool;
  if ((sized && l.out < 1) || (l.kind == LayerKind::dense && l.out < 0))
    fail(Status::spec, who + ": output size " + std::to_string(l.out) + " is not positive");
  if (windowed && l.kernel < 1)
    fail(Status::spec, who + ": kernel " + std::to_string(l.kernel) + " is not positive");
  if (l.stride < 1)
    fail(Status::spec, who + ": stride " + std::to_string(l.stride) + " is not positive");
  if (l.kind == LayerKind::conv && l.pad < -1)
    fail(Status::spec, who + ": padding " + std::to_string(l.pad) + " is negative");
  if (l.kind == LayerKind::dropout && !(l.rate >= 0.f && l.rate < 1.f))
    fail(Status::spec, who + ": dropout rate must be in [0,1)");
}

LayerSummary summarize_layer(const LayerSpec& l, const Shape& in, int num_classes,
                             const std::string& who) {
  LayerSummary s;
  s.text = layer_text(l);
  Shape& out = s.output;
  out = in;
  switch (l.kind) {
    case LayerKind::conv: {
      require_map(in, who);
      const int64_t pad = l.pad < 0 ? l.kernel / 2 : l.pad;
      out.channels = l.out;
      out.height = window_out(in.height, l.kernel, l.stride, pad, who, in);
      out.width = window_out(in.width, l.kernel, l.stride, pad, who, in);
      const int64_t fan_in = mul(in.channels, l.kernel, l.kernel);
      s.params = add(mul(fan_in, l.out), l.bias ? l.out : 0);
      s.flops = add(mul(2, fan_in, elements(out)), l.bias ? elements(out) : 0);
      break;
    }
    case LayerKind::batch_norm:
      s.params = mul(2, in.channels);
      s.flops = mul(2, elements(in));
      break;
    case LayerKind::relu:
      s.flops = elements(in);
      break;
    case LayerKind::max_pool:
    case LayerKind::avg_pool:
      require_map(in, who);
      out.height = window_out(in.height, l.kernel, l.stride, 0, who, in);
      out.width = window_out(in.width, l.kernel, l.stride, 0, who, in);
      s.flops = mul(l.kernel, l.kernel, elements(out));
      break;
    case LayerKind::global_avg_pool:
      require_map(in, who);
      out.height = out.width = 1;
      s.flops = elements(in);
      break;
    case LayerKind::dropout:
      break;  // the identity at inference
    case LayerKind::flatten:
      out = Shape{elements(in), 1, 1, true};
      break;
    case LayerKind::dense: {
      if (!in.flat && (in.height != 1 || in.width != 1))
        fail(Status::spec, who + " needs a feature vector but gets a " + shape_text(in) +
                               " map; put 'flatten' or 'gap' before it");
      const int64_t units = l.out == 0 ? num_classes : l.out;
      out = Shape{units, 1, 1, true};
      s.params = add(mul(in.channels, units), l.bias ? units : 0);
      s.flops = add(mul(2, in.channels, units), l.bias ? units : 0);
      break;
    }
    case LayerKind::basic_block: {
      require_map(in, who);
      out.channels = l.out;
      out.height = window_out(in.height, 3, l.stride, 1, who, in);
      out.width = window_out(in.width, 3, l.stride, 1, who, in);
      const int64_t e = elements(out);
      // conv3x3(stride) bn relu conv3x3 bn, + shortcut, relu; convolutions have no bias.
      s.params = add(mul(9, in.channels, l.out), mul(9, l.out, l.out));
      s.params = add(s.params, mul(4, l.out));
      s.flops = add(mul(18, in.channels, e), mul(18, l.out, e));
      s.flops = add(s.flops, mul(7, e));            // two batch norms (2 each), relu, add, relu
      if (l.stride != 1 || in.channels != l.out) {  // projection: conv1x1(stride) + bn
        s.params = add(s.params, add(mul(in.channels, l.out), mul(2, l.out)));
        s.flops = add(s.flops, add(mul(2, in.channels, e), mul(2, e)));
      }
      break;
    }
  }
  return s;
}

std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v), out;
  const size_t first = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > first && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string shape_text(const Shape& s) {
  if (s.flat) return std::to_string(s.channels);
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

Summary summarize(const Architecture& arch, int channels, int height, int width, int num_classes) {
  if (channels != 1 && channels != 3)
    fail(Status::invalid_argument,
         "input channels must be 1 (grayscale) or 3 (RGB), got " + std::to_string(channels));
  if (height < 1 || width < 1)
    fail(Status::invalid_argument, "input height and width must be at least 1, got " +
                                       std::to_string(height) + "x" + std::to_string(width));
  if (num_classes < 2)
    fail(Status::invalid_argument,
         "the class count must be at least 2, got " + std::to_string(num_classes));
  if (arch.layers.empty()) fail(Status::spec, "the architecture has no layers");

  Summary sum;
  sum.input = Shape{channels, height, width, false};
  sum.num_classes = num_classes;
  Shape cur = sum.input;
  for (size_t i = 0; i < arch.layers.size(); ++i) {
    const std::string who = name_of(i, layer_text(arch.layers[i]));
    check_fields(arch.layers[i], who);
    sum.layers.push_back(summarize_layer(arch.layers[i], cur, num_classes, who));
    cur = sum.layers.back().output;
    sum.total_params = add(sum.total_params, sum.layers.back().params);
    sum.total_flops = add(sum.total_flops, sum.layers.back().flops);
  }

  if (cur.height != 1 || cur.width != 1)
    fail(Status::spec, "the network ends with a " + shape_text(cur) +
                           " map, not one score per class; end the spec with 'flatten dense' "
                           "or 'gap dense'");
  if (cur.channels != num_classes)
    fail(Status::spec, "the network ends with " + std::to_string(cur.channels) +
                           " values per image but the model has " + std::to_string(num_classes) +
                           " classes; end the spec with a bare 'dense' (one unit per class)");
  return sum;
}

std::string format_summary(const Summary& s) {
  size_t w = std::string("input").size();
  for (const LayerSummary& l : s.layers) w = std::max(w, l.text.size());
  w += 2;
  std::string out;
  char line[512];
  auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                 const std::string& d) {
    std::snprintf(line, sizeof line, "%-*s %-14s %14s %16s\n", static_cast<int>(w), a.c_str(),
                  b.c_str(), c.c_str(), d.c_str());
    out += line;
  };
  row("layer", "output", "params", "FLOPs");
  row("input", shape_text(s.input), "", "");
  for (const LayerSummary& l : s.layers)
    row(l.text, shape_text(l.output), with_commas(l.params), with_commas(l.flops));
  row("total", "", with_commas(s.total_params), with_commas(s.total_flops));
  return out;
}

}  // namespace kcell::spec
