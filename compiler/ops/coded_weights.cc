#include "compiler/ops/coded_weights.h"

#include <algorithm>
#include <array>

#include "compiler/ops/op_util.h"

namespace kiln {
namespace {

// Distinct values of a set, at most 17 tracked (17 means "too many").
struct ValueSet {
  std::array<bool, 256> seen{};
  int count = 0;
  void add(int8_t v) {
    bool& s = seen[static_cast<uint8_t>(v)];
    if (!s) {
      s = true;
      ++count;
    }
  }
  bool fits() const { return count <= kCodebookEntries; }
  bool int4_range() const {
    for (int v = -128; v < 128; ++v) {
      if (seen[static_cast<uint8_t>(v)] && (v < -8 || v > 7)) return false;
    }
    return true;
  }
  // The codebook: the int4 one for values in [-8, 7], else the values in
  // increasing order, unused entries 0.
  std::array<int8_t, kCodebookEntries> codebook() const {
    std::array<int8_t, kCodebookEntries> book{};
    if (int4_range()) {
      for (int i = 0; i < kCodebookEntries; ++i)
        book[static_cast<size_t>(i)] = static_cast<int8_t>(i < 8 ? i : i - 16);
      return book;
    }
    size_t next = 0;
    for (int v = -128; v < 128; ++v) {
      if (seen[static_cast<uint8_t>(v)]) book[next++] = static_cast<int8_t>(v);
    }
    return book;
  }
};

uint8_t index_of(const std::array<int8_t, kCodebookEntries>& book, int8_t v) {
  return static_cast<uint8_t>(std::find(book.begin(), book.end(), v) - book.begin());
}

}  // namespace

std::optional<CodedWeights> code_weights(const int8_t* weights, int64_t n, int32_t out_channels,
                                         bool channel_last) {
  if (n <= 2 * kCodebookEntries || out_channels < 1 || n % out_channels != 0) return std::nullopt;
  const int64_t per_channel = n / out_channels;
  auto channel_of = [&](int64_t i) {
    return static_cast<size_t>(channel_last ? i % out_channels : i / per_channel);
  };
  ValueSet layer;
  for (int64_t i = 0; i < n && layer.fits(); ++i) layer.add(weights[i]);

  CodedWeights coded;
  std::vector<std::array<int8_t, kCodebookEntries>> books;
  if (layer.fits()) {
    books.push_back(layer.codebook());
  } else {
    const int64_t coded_bytes = (n + 1) / 2 + int64_t{kCodebookEntries} * out_channels;
    if (coded_bytes * 4 > n * 3) return std::nullopt;
    std::vector<ValueSet> channels(static_cast<size_t>(out_channels));
    for (int64_t i = 0; i < n; ++i) channels[channel_of(i)].add(weights[i]);
    for (const ValueSet& c : channels) {
      if (!c.fits()) return std::nullopt;
      books.push_back(c.codebook());
    }
  }
  coded.count = static_cast<int32_t>(books.size());
  for (const auto& book : books)
    coded.codebooks.insert(coded.codebooks.end(), book.begin(), book.end());
  coded.indices.assign(static_cast<size_t>((n + 1) / 2), 0);
  for (int64_t i = 0; i < n; ++i) {
    const auto& book = books[books.size() == 1 ? 0 : channel_of(i)];
    const uint8_t index = index_of(book, weights[i]);
    coded.indices[static_cast<size_t>(i / 2)] |= static_cast<uint8_t>(i % 2 ? index << 4 : index);
  }
  return coded;
}

bool lower_coded_conv2d(LowerContext& ctx, const ir::Op& op, const Conv2DParams& p, bool depthwise,
                        const int8_t* filter, int bias, const std::vector<int32_t>& requant) {
  if (!ctx.compressed_weights()) return false;
  const int64_t n = int64_t{p.k_h} * p.k_w * p.out_c * (depthwise ? 1 : p.filter_in_c);
  const std::optional<CodedWeights> coded = code_weights(filter, n, p.out_c, depthwise);
  if (!coded) return false;
  Conv2DW4Params pw{};
  pw.conv = p;
  pw.codebooks = coded->count;
  const OpCode reference = depthwise ? OpCode::DEPTHWISE_CONV_2D_S8_W4 : OpCode::CONV_2D_S8_W4;
  // A lean layer takes the reference kernel (the Arm DSP one adds a pair table).
  const bool lean = ctx.lean(op);
  const OpCode opcode = lean ? reference : choose_variant(ctx.target(), reference, pw);
  // The reference coded kernel runs several times slower than a target's
  // dense variants: it is used on targets without any (portable ones), and
  // for lean layers, which it stores in the fewest bytes.
  if (opcode == reference && !ctx.target().isas.empty() && !lean) return false;
  const std::string base = ctx.output(op, 0).name;
  const int indices =
      ctx.add_constant(base + "/weight_indices", KILN_DTYPE_UINT8,
                       {static_cast<int32_t>(coded->indices.size())}, coded->indices);
  // The Arm DSP variant decodes through a pair table instead of the codebook.
  int book;
  if (find_kernel(static_cast<uint32_t>(opcode))->isa == KernelIsa::arm_dsp) {
    std::vector<int32_t> table(kW4PairTableEntries);
    for (uint32_t b = 0; b < table.size(); ++b)
      table[b] = static_cast<int32_t>(w4_pair_entry(coded->codebooks.data(), b));
    book = ctx.add_constant(base + "/weight_pairs", KILN_DTYPE_INT32, {kW4PairTableEntries},
                            int32_bytes(table));
  } else {
    book = ctx.add_constant(base + "/codebooks", KILN_DTYPE_INT8, {coded->count, kCodebookEntries},
                            std::vector<uint8_t>(coded->codebooks.begin(), coded->codebooks.end()));
  }
  // The variants take the requantization prepared (kiln/ops/conv2d_w4.h).
  const int quant =
      opcode != reference
          ? ctx.add_constant(base + "/requant", KILN_DTYPE_UINT8,
                             {p.out_c * static_cast<int32_t>(sizeof(fp::PreparedRequant))},
                             prepared_requant_bytes(requant))
          : ctx.add_constant(base + "/requant", KILN_DTYPE_INT32, {2, p.out_c},
                             int32_bytes(requant));
  ctx.emit(op, opcode, pw, {op.inputs[0], indices, book, bias, quant}, {op.outputs[0]});
  return true;
}

}  // namespace kiln
