// The architecture spec grammar (docs/architecture.md): a scanner that splits the text into
// layer tokens with their arguments, then a table-driven binder that checks each argument
// and fills a LayerSpec. Every error names the offending text and its 1-based position.
#include "spec/architecture.hpp"

#include <charconv>
#include <cstddef>
#include <string_view>
#include <system_error>

#include "common/error.hpp"
#include "spec/presets.hpp"

namespace kcell::spec {
namespace {

// Bounds that keep every later size computation far from integer overflow; real networks
// stay well inside them.
constexpr long kMaxUnits = 65536;  // channels, dense units
constexpr long kMaxWindow = 1024;  // kernel, stride, padding

enum class ArgType { units, window, padding, rate, flag };

struct ArgDef {
  const char* name;
  ArgType type;
  bool positional;  // may be given by position; positional ones come first in the table
  bool required;
};

struct LayerDef {
  const char* name;
  LayerKind kind;
  std::vector<ArgDef> args;
  const char* usage;
};

const std::vector<LayerDef>& layer_defs() {
  static const std::vector<LayerDef> defs = {
      {"conv",
       LayerKind::conv,
       {{"out", ArgType::units, true, true},
        {"kernel", ArgType::window, true, true},
        {"stride", ArgType::window, true, false},
        {"pad", ArgType::padding, true, false},
        {"bias", ArgType::flag, false, false}},
       "conv(out,kernel[,stride[,pad]][,bias=false])"},
      {"bn", LayerKind::batch_norm, {}, "bn"},
      {"relu", LayerKind::relu, {}, "relu"},
      {"maxpool",
       LayerKind::max_pool,
       {{"kernel", ArgType::window, true, true}, {"stride", ArgType::window, true, false}},
       "maxpool(kernel[,stride])"},
      {"avgpool",
       LayerKind::avg_pool,
       {{"kernel", ArgType::window, true, true}, {"stride", ArgType::window, true, false}},
       "avgpool(kernel[,stride])"},
      {"gap", LayerKind::global_avg_pool, {}, "gap"},
      {"dropout", LayerKind::dropout, {{"rate", ArgType::rate, true, true}}, "dropout(rate)"},
      {"flatten", LayerKind::flatten, {}, "flatten"},
      {"dense",
       LayerKind::dense,
       {{"units", ArgType::units, true, false}, {"bias", ArgType::flag, false, false}},
       "dense or dense(units[,bias=false])"},
      {"res",
       LayerKind::basic_block,
       {{"out", ArgType::units, true, true}, {"stride", ArgType::window, true, false}},
       "res(out[,stride])"},
  };
  return defs;
}

const LayerDef& def_of(LayerKind kind) {
  for (const LayerDef& d : layer_defs())
    if (d.kind == kind) return d;
  fail(Status::internal, "layer kind without a definition");
}

// One argument as written: key is empty for a positional argument. Positions are 0-based
// offsets into the spec text.
struct Arg {
  std::string_view key, value;
  size_t key_pos = 0, value_pos = 0;
};

struct Token {
  std::string_view name;
  size_t pos = 0;
  std::vector<Arg> args;
};

std::string at(size_t pos) { return " at position " + std::to_string(pos + 1); }

[[noreturn]] void spec_error(const std::string& message) { fail(Status::spec, message); }

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_letter(c) || (c >= '0' && c <= '9') || c == '_'; }

// The text from pos up to the next space, shortened for messages.
std::string word_at(std::string_view s, size_t pos) {
  size_t end = pos;
  while (end < s.size() && !is_space(s[end])) ++end;
  std::string w(s.substr(pos, end - pos));
  if (w.size() > 24) w = w.substr(0, 21) + "...";
  return w;
}

std::string_view trim(std::string_view s, size_t* offset) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  if (offset) *offset += b;
  return s.substr(b, e - b);
}

// One argument's text (between '(' or ',' and ',' or ')'), starting at offset start.
Arg split_arg(std::string_view raw, size_t start) {
  Arg a;
  size_t off = start;
  std::string_view text = trim(raw, &off);
  if (text.empty()) spec_error("empty argument" + at(off));
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    a.value = text;
    a.value_pos = off;
  } else {
    size_t key_off = off;
    a.key = trim(text.substr(0, eq), &key_off);
    a.key_pos = key_off;
    size_t value_off = off + eq + 1;
    a.value = trim(text.substr(eq + 1), &value_off);
    a.value_pos = value_off;
    if (a.key.empty())
      spec_error("argument '" + std::string(text) + "' has no name before '='" + at(off));
    for (char c : a.key)
      if (!is_name_char(c))
        spec_error("malformed argument name '" + std::string(a.key) + "'" + at(a.key_pos));
    if (a.value.empty())
      spec_error("argument '" + std::string(a.key) + "' has no value after '='" + at(a.key_pos));
  }
  for (size_t i = 0; i < a.value.size(); ++i)
    if (is_space(a.value[i]) || a.value[i] == '=')
      spec_error("malformed argument '" + std::string(text) + "'" + at(off));
  return a;
}

// Reads the arguments of the '(' at open; returns the index just past the matching ')'.
size_t scan_args(std::string_view s, size_t open, Token& token) {
  size_t i = open + 1;
  size_t arg_start = i;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(')
      spec_error("unexpected '(' inside the arguments of '" + std::string(token.name) + "'" +
                 at(i));
    if (c != ',' && c != ')') continue;
    std::string_view raw = s.substr(arg_start, i - arg_start);
    const bool empty_call = c == ')' && token.args.empty() && trim(raw, nullptr).empty();
    if (!empty_call) token.args.push_back(split_arg(raw, arg_start));
    arg_start = i + 1;
    if (c == ')') return i + 1;
  }
  spec_error("'(' of '" + std::string(token.name) + "' is never closed" + at(open));
}

std::vector<Token> scan(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  for (;;) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i == s.size()) return tokens;
    if (!is_letter(s[i]))
      spec_error("unexpected '" + word_at(s, i) + "'" + at(i) + "; expected a layer name");
    Token t;
    t.pos = i;
    while (i < s.size() && is_name_char(s[i])) ++i;
    t.name = s.substr(t.pos, i - t.pos);
    if (i < s.size() && s[i] == '(') i = scan_args(s, i, t);
    if (i < s.size() && !is_space(s[i]))
      spec_error("unexpected '" + word_at(s, i) + "' after '" + std::string(t.name) + "'" + at(i) +
                 "; separate layers with spaces");
    tokens.push_back(std::move(t));
  }
}

std::string known_names() {
  std::string layers, presets_list;
  for (const LayerDef& d : layer_defs())
    layers += (layers.empty() ? "" : " ") + std::string(d.name);
  for (const Preset& p : presets())
    presets_list += (presets_list.empty() ? "" : " ") + std::string(p.name);
  return "layers: " + layers + "; presets: " + presets_list;
}

long parse_int(std::string_view v, long lo, long hi, const std::string& what, size_t pos) {
  long x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || x < lo || x > hi)
    spec_error(what + " must be a whole number from " + std::to_string(lo) + " to " +
               std::to_string(hi) + ", got '" + std::string(v) + "'" + at(pos));
  return x;
}

float parse_rate(std::string_view v, const std::string& what, size_t pos) {
  float x = 0.f;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || !(x >= 0.f && x < 1.f))
    spec_error(what + " must be a number in [0,1), got '" + std::string(v) + "'" + at(pos));
  return x;
}

bool parse_flag(std::string_view v, const std::string& what, size_t pos) {
  if (v == "true") return true;
  if (v == "false") return false;
  spec_error(what + " must be true or false, got '" + std::string(v) + "'" + at(pos));
}

void bind(LayerSpec& layer, const LayerDef& def, const ArgDef& arg, const Arg& given) {
  const std::string what = std::string(def.name) + " " + arg.name;
  const std::string_view name = arg.name;
  int* field = name == "kernel"   ? &layer.kernel
               : name == "stride" ? &layer.stride
               : name == "pad"    ? &layer.pad
                                  : &layer.out;
  switch (arg.type) {
    case ArgType::units:
      *field = static_cast<int>(parse_int(given.value, 1, kMaxUnits, what, given.value_pos));
      break;
    case ArgType::window:
      *field = static_cast<int>(parse_int(given.value, 1, kMaxWindow, what, given.value_pos));
      break;
    case ArgType::padding:
      *field = static_cast<int>(parse_int(given.value, 0, kMaxWindow, what, given.value_pos));
      break;
    case ArgType::rate:
      layer.rate = parse_rate(given.value, what, given.value_pos);
      break;
    case ArgType::flag:
      layer.bias = parse_flag(given.value, what, given.value_pos);
      break;
  }
}

LayerSpec build_layer(const Token& t) {
  const LayerDef* def = nullptr;
  for (const LayerDef& d : layer_defs())
    if (t.name == d.name) def = &d;
  if (def == nullptr && find_preset(std::string(t.name)))
    spec_error("unknown layer '" + std::string(t.name) + "'" + at(t.pos) +
               ": a preset name must be the whole spec, not one of its layers");
  if (def == nullptr)
    spec_error("unknown layer '" + std::string(t.name) + "'" + at(t.pos) + " (" + known_names() +
               ")");

  LayerSpec layer;
  layer.kind = def->kind;
  std::vector<bool> given(def->args.size(), false);
  size_t next_positional = 0;
  bool seen_keyword = false;
  for (const Arg& a : t.args) {
    size_t idx = def->args.size();
    if (a.key.empty()) {
      if (seen_keyword)
        spec_error("positional argument '" + std::string(a.value) + "' after a keyword argument" +
                   at(a.value_pos) + " (" + def->usage + ")");
      if (next_positional >= def->args.size() || !def->args[next_positional].positional)
        spec_error(def->args.empty() ? std::string(def->name) + " takes no arguments, got '" +
                                           std::string(a.value) + "'" + at(a.value_pos)
                                     : "too many arguments for " + std::string(def->name) + ": '" +
                                           std::string(a.value) + "'" + at(a.value_pos) + " (" +
                                           def->usage + ")");
      idx = next_positional++;
    } else {
      seen_keyword = true;
      for (size_t k = 0; k < def->args.size(); ++k)
        if (a.key == def->args[k].name) idx = k;
      if (idx == def->args.size())
        spec_error("unknown argument '" + std::string(a.key) + "' for " + def->name +
                   at(a.key_pos) + " (" + def->usage + ")");
    }
    if (given[idx])
      spec_error(std::string(def->name) + " " + def->args[idx].name + " is given twice" +
                 at(a.key.empty() ? a.value_pos : a.key_pos));
    given[idx] = true;
    bind(layer, *def, def->args[idx], a);
  }
  for (size_t k = 0; k < def->args.size(); ++k)
    if (def->args[k].required && !given[k])
      spec_error(std::string(def->name) + " needs its " + def->args[k].name + " argument" +
                 at(t.pos) + " (" + def->usage + ")");

  // Defaults that depend on other arguments, resolved here so consumers see plain numbers.
  if (layer.kind == LayerKind::conv && layer.pad < 0) layer.pad = layer.kernel / 2;
  if (layer.kind == LayerKind::max_pool || layer.kind == LayerKind::avg_pool) {
    if (!given[1]) layer.stride = layer.kernel;
    layer.pad = 0;
  }
  return layer;
}

// Shortest text that reads back as the same float.
std::string float_text(float x) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  if (ec != std::errc()) fail(Status::internal, "cannot print a dropout rate");
  return std::string(buf, end);
}

}  // namespace

const char* layer_name(LayerKind kind) { return def_of(kind).name; }

std::string layer_text(const LayerSpec& l) {
  std::string args;
  auto add = [&args](const std::string& a) { args += (args.empty() ? "" : ",") + a; };
  switch (l.kind) {
    case LayerKind::conv: {
      const int pad = l.pad < 0 ? l.kernel / 2 : l.pad;
      add(std::to_string(l.out));
      add(std::to_string(l.kernel));
      if (l.stride != 1) add("stride=" + std::to_string(l.stride));
      if (pad != l.kernel / 2) add("pad=" + std::to_string(pad));
      if (!l.bias) add("bias=false");
      break;
    }
    case LayerKind::max_pool:
    case LayerKind::avg_pool:
      add(std::to_string(l.kernel));
      if (l.stride != l.kernel) add("stride=" + std::to_string(l.stride));
      break;
    case LayerKind::dropout:
      add(float_text(l.rate));
      break;
    case LayerKind::dense:
      if (l.out != 0) add(std::to_string(l.out));
      if (!l.bias) add("bias=false");
      break;
    case LayerKind::basic_block:
      add(std::to_string(l.out));
      if (l.stride != 1) add("stride=" + std::to_string(l.stride));
      break;
    case LayerKind::batch_norm:
    case LayerKind::relu:
    case LayerKind::global_avg_pool:
    case LayerKind::flatten:
      break;
  }
  std::string text = layer_name(l.kind);
  return args.empty() ? text : text + "(" + args + ")";
}

Architecture parse_architecture(const std::string& preset_or_spec) {
  const Preset* preset = find_preset(std::string(trim(preset_or_spec, nullptr)));
  const std::string_view spec =
      preset ? std::string_view(preset->spec) : std::string_view(preset_or_spec);

  Architecture arch;
  for (const Token& t : scan(spec)) {
    arch.layers.push_back(build_layer(t));
    arch.text += (arch.text.empty() ? "" : " ") + layer_text(arch.layers.back());
  }
  if (arch.layers.empty())
    spec_error(
        "the architecture spec is empty: give a preset name or layers such as "
        "'conv(32,3) relu flatten dense' (" +
        known_names() + ")");
  return arch;
}

}  // namespace kcell::spec
