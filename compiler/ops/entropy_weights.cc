#include "compiler/ops/entropy_weights.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "compiler/ops/coded_weights.h"
#include "compiler/ops/op_util.h"
#include "compiler/ops/sparse_weights.h"

namespace kiln {

std::vector<uint16_t> entropy_frequencies(const std::vector<int64_t>& counts) {
  const int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  std::vector<int64_t> f(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    f[i] = std::max<int64_t>(1, counts[i] * kEntropyTotal / std::max<int64_t>(total, 1));
  }
  // The bits a symbol's weights gain (one more share) or lose (one less).
  auto gain = [&](size_t i) {
    return static_cast<double>(counts[i]) * std::log2(static_cast<double>(f[i] + 1) / f[i]);
  };
  auto loss = [&](size_t i) {
    return f[i] > 1
               ? static_cast<double>(counts[i]) * std::log2(static_cast<double>(f[i]) / (f[i] - 1))
               : INFINITY;
  };
  int64_t sum = std::accumulate(f.begin(), f.end(), int64_t{0});
  for (; sum < kEntropyTotal; ++sum) {
    size_t best = 0;
    for (size_t i = 1; i < f.size(); ++i) best = gain(i) > gain(best) ? i : best;
    ++f[best];
  }
  for (; sum > kEntropyTotal; --sum) {
    size_t best = 0;
    for (size_t i = 1; i < f.size(); ++i) best = loss(i) < loss(best) ? i : best;
    --f[best];
  }
  return std::vector<uint16_t>(f.begin(), f.end());
}

EntropyCoded entropy_code(const int8_t* weights, int64_t n) {
  std::array<int64_t, 256> count{};
  for (int64_t i = 0; i < n; ++i) ++count[static_cast<uint8_t>(weights[i])];
  EntropyCoded coded;
  for (int v = -128; v < 128; ++v) {
    if (count[static_cast<uint8_t>(v)] > 0) coded.values.push_back(static_cast<int8_t>(v));
  }
  std::stable_sort(coded.values.begin(), coded.values.end(), [&](int8_t a, int8_t b) {
    return count[static_cast<uint8_t>(a)] > count[static_cast<uint8_t>(b)];
  });
  std::vector<int64_t> counts;
  for (int8_t v : coded.values) counts.push_back(count[static_cast<uint8_t>(v)]);
  coded.frequencies = entropy_frequencies(counts);

  std::array<uint32_t, 256> freq{}, cum{};
  uint32_t next = 0;
  for (size_t s = 0; s < coded.values.size(); ++s) {
    const uint8_t v = static_cast<uint8_t>(coded.values[s]);
    freq[v] = coded.frequencies[s];
    cum[v] = next;
    next += coded.frequencies[s];
  }
  // The encoder runs backwards, so that the decoder reads forwards; its
  // bytes come out last first.
  std::vector<uint8_t> reversed;
  uint32_t state = kEntropyStateLow;
  for (int64_t i = n - 1; i >= 0; --i) {
    const uint8_t v = static_cast<uint8_t>(weights[i]);
    const uint64_t limit = uint64_t{(kEntropyStateLow >> kEntropyPrecisionBits) << 8} * freq[v];
    while (state >= limit) {
      reversed.push_back(static_cast<uint8_t>(state));
      state >>= 8;
    }
    state = ((state / freq[v]) << kEntropyPrecisionBits) + state % freq[v] + cum[v];
  }
  for (int i = 0; i < 4; ++i, state >>= 8) reversed.push_back(static_cast<uint8_t>(state));
  coded.stream.assign(reversed.rbegin(), reversed.rend());
  return coded;
}

namespace {

// The fewest bytes the filter takes in the forms kiln stores without
// --entropy: int8, 4-bit indices with their codebooks, or (pointwise)
// nonzero units with their counts and offsets.
int64_t smallest_other_form(const Conv2DParams& p, const int8_t* filter, int64_t n) {
  int64_t smallest = n;
  if (auto coded = code_weights(filter, n, p.out_c, false)) {
    smallest = std::min<int64_t>(
        smallest, static_cast<int64_t>(coded->indices.size() + coded->codebooks.size()));
  }
  if (p.k_h == 1 && p.k_w == 1 && p.pad_h == 0 && p.pad_w == 0) {
    for (int32_t block : {1, kSparseBlock}) {
      if (p.in_c % block != 0) continue;
      const SparseWeights s = sparse_weights(filter, p.out_c, p.in_c, block);
      smallest = std::min<int64_t>(
          smallest,
          static_cast<int64_t>(s.counts.size() * 2 + s.offsets.size() + s.weights.size()));
    }
  }
  return smallest;
}

}  // namespace

bool lower_entropy_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p,
                          bool depthwise, const int8_t* filter, int bias,
                          const std::vector<int32_t>& requant) {
  if (!ctx.entropy_weights() || depthwise || p.filter_in_c != p.in_c) return false;
  const int32_t row = entropy_row(p);
  const int64_t n = int64_t{row} * p.out_c;
  EntropyCoded coded = entropy_code(filter, n);
  if (coded.bytes() >= smallest_other_form(p, filter, n) ||
      coded.stream.size() > kMaxOperandBytes) {
    return false;
  }
  Conv2DEntropyParams pe{};
  pe.conv = p;
  pe.symbols = static_cast<int32_t>(coded.values.size());
  pe.stream_bytes = static_cast<int32_t>(coded.stream.size());

  const std::string base = ctx.output(op, 0).name;
  std::vector<uint8_t> frequency_bytes(coded.frequencies.size() * sizeof(uint16_t));
  std::memcpy(frequency_bytes.data(), coded.frequencies.data(), frequency_bytes.size());
  const int frequencies = ctx.add_constant(base + "/weight_frequencies", KILN_DTYPE_INT16,
                                           {pe.symbols}, frequency_bytes);
  const int values =
      ctx.add_constant(base + "/weight_values", KILN_DTYPE_INT8, {pe.symbols},
                       std::vector<uint8_t>(coded.values.begin(), coded.values.end()));
  const int stream = ctx.add_constant(base + "/weight_stream", KILN_DTYPE_UINT8, {pe.stream_bytes},
                                      std::move(coded.stream));
  const int quant =
      ctx.add_constant(base + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, int32_bytes(requant));
  const int scratch = ctx.add_scratch(base + "/decoded_filter_row", KILN_DTYPE_INT8, {row});
  ctx.emit(op, OpCode::CONV_2D_S8_ENTROPY, pe,
           {op.inputs[0], frequencies, values, stream, bias, quant}, {op.outputs[0], scratch});
  return true;
}

}  // namespace kiln
