// CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D, groups 1) with entropy-coded
// weights: the int8 filter, output channel after output channel, as one
// rANS stream of symbols under a static model of the layer's weights (kiln
// compile --entropy). A symbol is a run of one value: nonzero weights come
// one at a time and zeros in runs of up to kEntropyMaxRun, so a pruned
// filter costs a symbol per nonzero weight and per run of zeros, not per
// weight, and a pruned, clustered one codes in well under a bit per weight.
// A run never crosses from one output channel's filter to the next. The
// kernel decodes one output channel's filter at a time into a scratch row
// and convolves with it (a layer of one output pixel, fully connected,
// multiplies as it decodes and skips the zeros), so the layer computes
// exactly what the int8 kernel computes on the decoded filter.
//
// Operands: input, frequencies (uint16 [symbols]: each symbol's share of
// kEntropyTotal, the largest first), values (int8 [symbols]), runs (uint8
// [symbols]: the weights each symbol stands for, at least 1), stream (uint8
// [stream_bytes]), bias (int32, optional), per-channel requantization
// (int32: out_c multipliers then out_c shifts); outputs: output, scratch
// (int8: one output channel's filter, k_h x k_w x in_c).
//
//   The stream: rANS with a 32-bit state kept in [kEntropyStateLow,
//   kEntropyStateLow << 8) and renormalized a byte at a time. The state
//   starts as the stream's first four bytes, big-endian. To decode a symbol,
//   slot = state mod kEntropyTotal picks the symbol s whose cumulative range
//   [cum_s, cum_s + freq_s) holds it; the state becomes freq_s * (state >>
//   kEntropyPrecisionBits) + slot - cum_s, then takes in bytes while below
//   kEntropyStateLow. A stream ends exactly after its last byte with the
//   state at kEntropyStateLow, where the encoder started it.
//
// The stream steers the kernel's reads of itself, so a blob's is decoded in
// full once when it loads (constants_ok): frequencies of at least one that
// sum to kEntropyTotal, runs of at least one, and a stream that decodes
// every output channel's filter exactly (no run past its end) within its
// bytes and ends as the encoder started. (That bounds the reads; it cannot
// tell every damaged stream, since most byte strings decode exactly to some
// filter: the blob's checksum does.)
#ifndef KILN_OPS_CONV2D_ENTROPY_H
#define KILN_OPS_CONV2D_ENTROPY_H

#include "kiln/ops/conv2d.h"

namespace kiln {

constexpr int32_t kEntropyPrecisionBits = 12;
constexpr uint32_t kEntropyTotal = 1u << kEntropyPrecisionBits;
constexpr uint32_t kEntropyStateLow = 1u << 23;
constexpr int32_t kEntropyMaxSymbols = 512;
constexpr int32_t kEntropyMaxRun = 32;  // zeros per symbol, as kiln's compiler codes them

struct Conv2DEntropyParams {
  Conv2DParams conv;
  int32_t symbols;       // distinct (value, run) symbols, 1 to kEntropyMaxSymbols
  int32_t stream_bytes;  // at least 4
};

// The weights of one output channel's filter.
inline int32_t entropy_row(const Conv2DParams& p) { return p.k_h * p.k_w * p.filter_in_c; }

// A decoder over one stream; never reads past its end: a byte past it reads
// as zero and sets `malformed`, as does a first state below the range,
// which a checked stream never does.
struct EntropyDecoder {
  const uint16_t* frequencies;
  int32_t symbols;
  const uint8_t* next;
  const uint8_t* end;
  uint32_t state;
  bool malformed;

  EntropyDecoder(const uint16_t* f, int32_t n, const uint8_t* stream, uint32_t bytes)
      : frequencies(f), symbols(n), next(stream), end(stream + bytes), state(0), malformed(false) {
    for (int i = 0; i < 4; ++i) state = (state << 8) | take();
    // An encoder's state never starts below kEntropyStateLow; one that does
    // could fall to zero and renormalize forever.
    if (state < kEntropyStateLow) {
      malformed = true;
      state |= kEntropyStateLow;
    }
  }

  uint32_t take() {
    if (next < end) return *next++;
    malformed = true;
    return 0u;
  }

  // The next symbol's index. The symbols come most frequent first, so the
  // search for the slot's symbol mostly stops at the first.
  int32_t decode() {
    const uint32_t slot = state & (kEntropyTotal - 1);
    uint32_t cum = 0;
    int32_t s = 0;
    while (s + 1 < symbols && slot >= cum + frequencies[s]) cum += frequencies[s++];
    state = frequencies[s] * (state >> kEntropyPrecisionBits) + slot - cum;
    while (state < kEntropyStateLow) state = (state << 8) | take();
    return s;
  }
};

inline bool conv2d_entropy_operand_sizes(const Conv2DEntropyParams& p, OperandSizes* s) {
  const Conv2DParams& c = p.conv;
  if (!conv2d_operand_sizes(c, 1, false, s) || c.filter_in_c != c.in_c || p.symbols < 1 ||
      p.symbols > kEntropyMaxSymbols || p.stream_bytes < 4) {
    return false;
  }
  const int32_t row = entropy_row(c);
  s->inputs[6] = s->inputs[3];
  s->inputs[5] = s->inputs[2];
  s->inputs[1] = operand_bytes(2, &p.symbols, 1);
  s->inputs[2] = operand_bytes(1, &p.symbols, 1);
  s->inputs[3] = operand_bytes(1, &p.symbols, 1);
  s->inputs[4] = flat_bytes(1, p.stream_bytes);
  s->num_inputs = 7;
  s->outputs[1] = operand_bytes(1, &row, 1);
  s->num_outputs = 2;
  return s->inputs[1] != 0 && s->inputs[4] != 0 && s->outputs[1] != 0;
}

template <>
inline constexpr bool kChecksConstants<Conv2DEntropyParams> = true;

// The check of the frequencies, runs and stream (inputs[1], [3] and [4],
// null unless the blob stores them as constants), after their sizes have
// been checked: the whole filter decodes from exactly the stream's bytes.
inline bool constants_ok(const Conv2DEntropyParams& p, const void* const* inputs) {
  const uint16_t* frequencies = static_cast<const uint16_t*>(inputs[1]);
  const uint8_t* runs = static_cast<const uint8_t*>(inputs[3]);
  const uint8_t* stream = static_cast<const uint8_t*>(inputs[4]);
  if (frequencies == nullptr || runs == nullptr || stream == nullptr) return false;
  uint32_t total = 0;
  for (int32_t s = 0; s < p.symbols; ++s) {
    if (frequencies[s] == 0 || runs[s] == 0) return false;
    total += frequencies[s];
  }
  if (total != kEntropyTotal) return false;
  EntropyDecoder decoder(frequencies, p.symbols, stream, static_cast<uint32_t>(p.stream_bytes));
  const int32_t row = entropy_row(p.conv);
  for (int32_t oc = 0; oc < p.conv.out_c; ++oc) {
    for (int32_t i = 0; i < row;) {
      const int32_t run = runs[decoder.decode()];
      if (decoder.malformed || run > row - i) return false;
      i += run;
    }
  }
  return !decoder.malformed && decoder.next == decoder.end && decoder.state == kEntropyStateLow;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_ENTROPY_H
