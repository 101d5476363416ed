#include "compiler/ops/entropy_weights.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

#include "compiler/ops/binary_weights.h"
#include "compiler/ops/coded_weights.h"
#include "compiler/ops/op_util.h"
#include "compiler/ops/sparse_weights.h"

namespace kiln {

std::vector<uint16_t> entropy_frequencies(const std::vector<int64_t>& counts) {
  if (counts.empty()) return {};  // a model with no symbols (an all-zero filter's values)
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

namespace {

// One symbol of the stream: a run of zeros (`run`) or a nonzero weight.
struct Token {
  bool run;
  int32_t symbol;  // the run's length, or the weight
};

// The filter's symbols in order, as the kernels read them
// (entropy_decode_row).
std::vector<Token> entropy_tokens(const int8_t* weights, int64_t rows, int32_t row) {
  std::vector<Token> tokens;
  for (int64_t r = 0; r < rows; ++r) {
    const int8_t* w = weights + r * row;
    for (int32_t i = 0; i < row;) {
      int32_t next = i;
      while (next < row && w[next] == 0) ++next;
      const int32_t zeros = std::min(next - i, kEntropyMaxRun);
      tokens.push_back({true, zeros});
      i += zeros;
      if (zeros == kEntropyMaxRun || i == row) continue;
      tokens.push_back({false, w[i]});
      ++i;
    }
  }
  return tokens;
}

// A model of the symbols `count` holds: the symbols, the most frequent
// first, and their frequencies; `range` gets each one's frequency and
// cumulative frequency.
template <typename Symbol>
std::vector<uint16_t> model_of(const std::map<int32_t, int64_t>& count,
                               std::vector<Symbol>* symbols,
                               std::map<int32_t, std::pair<uint32_t, uint32_t>>* range) {
  std::vector<int32_t> keys;
  for (const auto& [key, n] : count) keys.push_back(key);
  std::stable_sort(keys.begin(), keys.end(),
                   [&](int32_t a, int32_t b) { return count.at(a) > count.at(b); });
  std::vector<int64_t> counts;
  for (int32_t k : keys) {
    symbols->push_back(static_cast<Symbol>(k));
    counts.push_back(count.at(k));
  }
  const std::vector<uint16_t> frequencies = entropy_frequencies(counts);
  uint32_t cum = 0;
  for (size_t s = 0; s < keys.size(); ++s) {
    (*range)[keys[s]] = {frequencies[s], cum};
    cum += frequencies[s];
  }
  return frequencies;
}

}  // namespace

EntropyCoded entropy_code(const int8_t* weights, int64_t rows, int32_t row) {
  const std::vector<Token> tokens = entropy_tokens(weights, rows, row);
  std::map<int32_t, int64_t> run_count, value_count;
  for (const Token& t : tokens) ++(t.run ? run_count : value_count)[t.symbol];
  EntropyCoded coded;
  std::map<int32_t, std::pair<uint32_t, uint32_t>> run_range, value_range;
  coded.run_frequencies = model_of(run_count, &coded.run_lengths, &run_range);
  coded.value_frequencies = model_of(value_count, &coded.values, &value_range);

  // The encoder runs backwards, so that the decoder reads forwards; its
  // bytes come out last first.
  std::vector<uint8_t> reversed;
  uint32_t state = kEntropyStateLow;
  for (auto t = tokens.rbegin(); t != tokens.rend(); ++t) {
    const auto [freq, cum] = (t->run ? run_range : value_range).at(t->symbol);
    const uint64_t limit = uint64_t{(kEntropyStateLow >> kEntropyPrecisionBits) << 8} * freq;
    while (state >= limit) {
      reversed.push_back(static_cast<uint8_t>(state));
      state >>= 8;
    }
    state = ((state / freq) << kEntropyPrecisionBits) + state % freq + cum;
  }
  for (int i = 0; i < 4; ++i, state >>= 8) reversed.push_back(static_cast<uint8_t>(state));
  coded.stream.assign(reversed.rbegin(), reversed.rend());
  return coded;
}

namespace {

// The fewest bytes the filter takes in the forms kiln stores without
// --entropy: int8, bits and two values per channel, 4-bit indices with their codebooks, or
// (pointwise) nonzero units with their counts and offsets.
int64_t smallest_other_form(const Conv2DParams& p, const int8_t* filter, int64_t n) {
  int64_t smallest = n;
  if (auto binary = binary_weights(filter, p.out_c, b1_row(p)))
    smallest = std::min(smallest, binary->bytes());
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
  if (!ctx.entropy_weights(op) || depthwise || p.filter_in_c != p.in_c) return false;
  const int32_t row = entropy_row(p);
  const int64_t n = int64_t{row} * p.out_c;
  EntropyCoded coded = entropy_code(filter, p.out_c, row);
  if (coded.bytes() >= smallest_other_form(p, filter, n) ||
      coded.stream.size() > kMaxOperandBytes) {
    return false;
  }
  Conv2DEntropyParams pe{};
  pe.conv = p;
  pe.run_symbols = static_cast<int32_t>(coded.run_lengths.size());
  pe.value_symbols = static_cast<int32_t>(coded.values.size());
  pe.stream_bytes = static_cast<int32_t>(coded.stream.size());

  const std::string base = ctx.output(op, 0).name;
  std::vector<uint16_t> models = coded.run_frequencies;
  models.insert(models.end(), coded.value_frequencies.begin(), coded.value_frequencies.end());
  std::vector<uint8_t> model_bytes(models.size() * sizeof(uint16_t));
  std::memcpy(model_bytes.data(), models.data(), model_bytes.size());
  const int frequencies = ctx.add_constant(base + "/weight_frequencies", KILN_DTYPE_INT16,
                                           {static_cast<int32_t>(models.size())}, model_bytes);
  // An all-zero filter has no values; its operand is one unread byte.
  std::vector<uint8_t> value_bytes(coded.values.begin(), coded.values.end());
  if (value_bytes.empty()) value_bytes.push_back(0);
  const int values = ctx.add_constant(base + "/weight_values", KILN_DTYPE_INT8,
                                      {static_cast<int32_t>(value_bytes.size())}, value_bytes);
  const int runs = ctx.add_constant(base + "/weight_runs", KILN_DTYPE_UINT8, {pe.run_symbols},
                                    coded.run_lengths);
  const int stream = ctx.add_constant(base + "/weight_stream", KILN_DTYPE_UINT8, {pe.stream_bytes},
                                      std::move(coded.stream));
  const int quant =
      ctx.add_constant(base + "/requant", KILN_DTYPE_INT32, {2, p.out_c}, int32_bytes(requant));
  const int scratch = ctx.add_scratch(base + "/decoding", KILN_DTYPE_INT8,
                                      {2 * static_cast<int32_t>(sizeof(EntropyLookup)) + row});
  ctx.emit(op, OpCode::CONV_2D_S8_ENTROPY, pe,
           {op.inputs[0], frequencies, values, runs, stream, bias, quant},
           {op.outputs[0], scratch});
  return true;
}

}  // namespace kiln
