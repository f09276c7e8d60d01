// InferenceContext::Build: tensors, their conversions and int8 scales, and buffer slots.
#include "infer/inference_build.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "common/error.hpp"

namespace kcell::infer {

std::pair<memory::data_type, float> InferenceContext::Build::quantisation(int v) const {
  const float lo = ranges->lo[static_cast<size_t>(v)], hi = ranges->hi[static_cast<size_t>(v)];
  const bool never_negative = lo >= 0.f;
  const float largest = std::max(std::fabs(lo), std::fabs(hi));
  const float scale =
      std::isfinite(largest) && largest > 0.f ? (never_negative ? 255.f : 127.f) / largest : 1.f;
  return {never_negative ? memory::data_type::u8 : memory::data_type::s8, scale};
}

int InferenceContext::Build::add_tensor(const memory::desc& md, int storage, float scale) {
  if (storage < 0) {
    storages.push_back({});
    storage = static_cast<int>(storages.size()) - 1;
  }
  tensors.push_back({md, storage, scale});
  return static_cast<int>(tensors.size()) - 1;
}

void InferenceContext::Build::copy(int from, int to) {
  const float ratio = scale_of(to) / scale_of(from);
  const auto pd = compat::make_reorder_pd(
      eng, md_of(from), md_of(to),
      ratio == 1.f ? compat::inference_attr(false, false) : compat::scaled_reorder_attr({ratio}));
  Op op;
  op.prim = dnnl::reorder(pd);
  op.src = from;
  op.dst = to;
  op.scratchpad = pd.scratchpad_desc();
  ops.push_back(std::move(op));
}

int InferenceContext::Build::converted_to(int t, const memory::desc& want, float scale) {
  if (md_of(t) == want && scale_of(t) == scale) return t;
  for (const auto& [from, to] : converted)
    if (from == t && md_of(to) == want && scale_of(to) == scale) return to;
  const int out = add_tensor(want, -1, scale);
  copy(t, out);
  if (!is_external(t)) ++conversions;  // converting the caller's images is expected
  converted.emplace_back(t, out);
  return out;
}

int InferenceContext::Build::in_layout(int t, const memory::desc& want) {
  const bool integer =
      want.data_type() == memory::data_type::s8 || want.data_type() == memory::data_type::u8;
  return converted_to(t, want, integer ? scale_of(t) : 1.f);
}

int InferenceContext::Build::typed_input(int value) {
  const int t = tensor_of[static_cast<size_t>(value)];
  if (md_of(t).data_type() == float_type()) return t;
  return in_layout(t, plain_of(compat::md_dims(md_of(t)), float_type()));
}

memory InferenceContext::Build::plain_vector(const std::vector<float>& v) {
  if (v.empty()) return memory();
  return memory(compat::plain_md({static_cast<int64_t>(v.size())}), eng,
                const_cast<float*>(v.data()));  // only read
}

void InferenceContext::Build::emit(Op op, int value) {
  ops.push_back(std::move(op));
  tensor_of[static_cast<size_t>(value)] = ops.back().dst;
  produced.emplace_back(static_cast<int>(ops.size()) - 1, value);
}

int InferenceContext::Build::as_rows(int t) {
  const memory::dims d = compat::md_dims(md_of(t));
  const memory::data_type type = md_of(t).data_type();
  // A 1×1 map in channel blocks (16 on AVX-512, 8 on AVX2) whole blocks wide is already
  // one row of channels per image.
  const auto whole_blocks = [&](int64_t block, memory::format_tag tag) {
    return d[1] % block == 0 && md_of(t) == memory::desc(d, type, tag);
  };
  const bool rows_already =
      md_of(t) == plain_of(d, type) ||
      (d[2] * d[3] == 1 && (md_of(t) == memory::desc(d, type, memory::format_tag::acdb) ||
                            whole_blocks(16, memory::format_tag::aBcd16b) ||
                            whole_blocks(8, memory::format_tag::aBcd8b)));
  if (!rows_already) t = in_layout(t, plain_of(d, type));
  if (is_external(t)) {  // never alias the caller's images
    const int own = add_tensor(md_of(t));
    copy(t, own);
    t = own;
  }
  return add_tensor(plain_of({d[0], d[1] * d[2] * d[3]}, type),
                    tensors[static_cast<size_t>(t)].storage, scale_of(t));
}

std::vector<size_t> InferenceContext::Build::assign_slots(int output_tensor) {
  for (size_t i = 0; i < ops.size(); ++i) {
    const int at = static_cast<int>(i);
    for (int t : {ops[i].src, ops[i].dst}) {
      Storage& st = storages[static_cast<size_t>(tensors[static_cast<size_t>(t)].storage)];
      if (st.first < 0) st.first = at;
      st.last = std::max(st.last, at);
    }
  }
  storages[static_cast<size_t>(tensors[static_cast<size_t>(output_tensor)].storage)].last = INT_MAX;
  std::vector<size_t> storage_bytes(storages.size(), 0);
  for (const Tensor& t : tensors)
    storage_bytes[static_cast<size_t>(t.storage)] =
        std::max(storage_bytes[static_cast<size_t>(t.storage)], t.md.get_size());

  std::vector<size_t> slot_bytes;
  std::vector<int> slot_busy_until;
  for (size_t i = 0; i < ops.size(); ++i) {
    const size_t s = static_cast<size_t>(tensors[static_cast<size_t>(ops[i].dst)].storage);
    Storage& st = storages[s];
    if (st.external || st.slot >= 0) continue;
    const size_t need = storage_bytes[s];
    // The smallest free slot that fits, else the largest free one (grown least).
    int fit = -1, largest = -1;
    for (size_t k = 0; k < slot_bytes.size(); ++k) {
      if (slot_busy_until[k] >= static_cast<int>(i)) continue;
      const int ki = static_cast<int>(k);
      if (slot_bytes[k] >= need) {
        if (fit < 0 || slot_bytes[k] < slot_bytes[static_cast<size_t>(fit)]) fit = ki;
      } else if (largest < 0 || slot_bytes[k] > slot_bytes[static_cast<size_t>(largest)]) {
        largest = ki;
      }
    }
    int best = fit >= 0 ? fit : largest;
    if (best < 0) {
      slot_bytes.push_back(0);
      slot_busy_until.push_back(-1);
      best = static_cast<int>(slot_bytes.size()) - 1;
    }
    st.slot = best;
    slot_bytes[static_cast<size_t>(best)] = std::max(slot_bytes[static_cast<size_t>(best)], need);
    slot_busy_until[static_cast<size_t>(best)] = st.last;
  }
  return slot_bytes;
}

}  // namespace kcell::infer
