// CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D, groups 1) with entropy-coded
// weights: the int8 filter, output channel after output channel, as one
// rANS stream under a static model of the layer's weight values (kiln
// compile --entropy). Pruned and clustered filters take few values, one of
// them (zero) most of the time, and code in well under a bit per weight
// where 4-bit indices take four. The kernel decodes one output channel's
// filter at a time into a scratch row and convolves with it, so the layer
// computes exactly what the int8 kernel computes on the decoded filter.
//
// Operands: input, frequencies (uint16 [symbols]: each value's share of
// kEntropyTotal, the largest first), values (int8 [symbols]), stream (uint8
// [stream_bytes]), bias (int32, optional), per-channel requantization (int32:
// out_c multipliers then out_c shifts); outputs: output, scratch (int8: one
// output channel's filter, k_h x k_w x in_c).
//
//   The stream: rANS with a 32-bit state kept in [kEntropyStateLow,
//   kEntropyStateLow << 8) and renormalized a byte at a time. The state
//   starts as the stream's first four bytes, big-endian. To decode a weight,
//   slot = state mod kEntropyTotal picks the symbol s whose cumulative range
//   [cum_s, cum_s + freq_s) holds it; the state becomes freq_s * (state >>
//   kEntropyPrecisionBits) + slot - cum_s, then takes in bytes while below
//   kEntropyStateLow. A stream ends exactly after its last byte with the
//   state at kEntropyStateLow, where the encoder started it.
//
// The stream steers the kernel's reads of itself, so a blob's is decoded in
// full once when it loads (constants_ok): frequencies of at least one that
// sum to kEntropyTotal, and a stream that decodes every weight within its
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
constexpr int32_t kEntropyMaxSymbols = 256;

struct Conv2DEntropyParams {
  Conv2DParams conv;
  int32_t symbols;       // distinct weight values, 1 to kEntropyMaxSymbols
  int32_t stream_bytes;  // at least 4
};

// The weights of one output channel's filter.
inline int32_t entropy_row(const Conv2DParams& p) { return p.k_h * p.k_w * p.filter_in_c; }

// A decoder over one stream; never reads past its end: a byte past it reads
// as zero and sets `malformed`, as does a first state below the range,
// which a checked stream never does.
struct EntropyDecoder {
  const uint16_t* frequencies;
  const int8_t* values;
  int32_t symbols;
  const uint8_t* next;
  const uint8_t* end;
  uint32_t state;
  bool malformed;

  EntropyDecoder(const uint16_t* f, const int8_t* v, int32_t n, const uint8_t* stream,
                 uint32_t bytes)
      : frequencies(f),
        values(v),
        symbols(n),
        next(stream),
        end(stream + bytes),
        state(0),
        malformed(false) {
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

  // The next weight. The symbols come most frequent first, so the search
  // for the slot's symbol mostly stops at the first.
  int8_t decode() {
    const uint32_t slot = state & (kEntropyTotal - 1);
    uint32_t cum = 0;
    int32_t s = 0;
    while (s + 1 < symbols && slot >= cum + frequencies[s]) cum += frequencies[s++];
    state = frequencies[s] * (state >> kEntropyPrecisionBits) + slot - cum;
    while (state < kEntropyStateLow) state = (state << 8) | take();
    return values[s];
  }
};

inline bool conv2d_entropy_operand_sizes(const Conv2DEntropyParams& p, OperandSizes* s) {
  const Conv2DParams& c = p.conv;
  if (!conv2d_operand_sizes(c, 1, false, s) || c.filter_in_c != c.in_c || p.symbols < 1 ||
      p.symbols > kEntropyMaxSymbols || p.stream_bytes < 4) {
    return false;
  }
  const int32_t row = entropy_row(c);
  s->inputs[5] = s->inputs[3];
  s->inputs[4] = s->inputs[2];
  s->inputs[1] = operand_bytes(2, &p.symbols, 1);
  s->inputs[2] = operand_bytes(1, &p.symbols, 1);
  s->inputs[3] = flat_bytes(1, p.stream_bytes);
  s->num_inputs = 6;
  s->outputs[1] = operand_bytes(1, &row, 1);
  s->num_outputs = 2;
  return s->inputs[1] != 0 && s->inputs[3] != 0 && s->outputs[1] != 0;
}

template <>
inline constexpr bool kChecksConstants<Conv2DEntropyParams> = true;

// The check of the frequencies, values and stream (inputs[1] to [3], null
// unless the blob stores them as constants), after their sizes have been
// checked: the whole filter decodes from exactly the stream's bytes.
inline bool constants_ok(const Conv2DEntropyParams& p, const void* const* inputs) {
  const uint16_t* frequencies = static_cast<const uint16_t*>(inputs[1]);
  const int8_t* values = static_cast<const int8_t*>(inputs[2]);
  const uint8_t* stream = static_cast<const uint8_t*>(inputs[3]);
  if (frequencies == nullptr || values == nullptr || stream == nullptr) return false;
  uint32_t total = 0;
  for (int32_t s = 0; s < p.symbols; ++s) {
    if (frequencies[s] == 0) return false;
    total += frequencies[s];
  }
  if (total != kEntropyTotal) return false;
  EntropyDecoder decoder(frequencies, values, p.symbols, stream,
                         static_cast<uint32_t>(p.stream_bytes));
  const int64_t weights = int64_t{entropy_row(p.conv)} * p.conv.out_c;
  for (int64_t i = 0; i < weights && !decoder.malformed; ++i) decoder.decode();
  return !decoder.malformed && decoder.next == decoder.end && decoder.state == kEntropyStateLow;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_ENTROPY_H
