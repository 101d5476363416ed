// CONV_2D (FULLY_CONNECTED as a 1x1 CONV_2D, groups 1) with entropy-coded
// weights: the int8 filter, output channel after output channel, as one
// rANS stream under two static models of the layer's weights (kiln compile
// --entropy). Each output channel's filter is coded as the run of zeros
// before each nonzero weight, then that weight: run symbols stand for 0 to
// kEntropyMaxRun - 1 zeros, or kEntropyMaxRun zeros with no weight after
// them (longer runs take several), value symbols for the nonzero weights.
// Zeros at random positions so cost what coding each weight alone would
// (the runs' lengths carry exactly that information), zeros in stretches
// less, and a pruned filter decodes two symbols per nonzero weight, not one
// per weight. A filter without zeros codes each run as 0, in no bits. Runs
// stay inside their output channel's filter; one that reaches its end ends
// it with no weight after.
//
// The kernel decodes one output channel's filter at a time into a scratch
// row and convolves with it (a layer of one output pixel, fully connected,
// multiplies as it decodes and skips the zeros), so the layer computes
// exactly what the int8 kernel computes on the decoded filter.
//
// Operands: input, frequencies (uint16 [run_symbols + value_symbols]: the
// runs' model, then the values' model, each symbol's share of kEntropyTotal,
// each model the most frequent first), values (int8 [value_symbols], none
// zero), runs (uint8 [run_symbols], each at most kEntropyMaxRun), stream
// (uint8 [stream_bytes]), bias (int32, optional), per-channel
// requantization (int32: out_c multipliers then out_c shifts); outputs:
// output, scratch (the runs' and the values' EntropyLookup, then one output
// channel's filter, k_h x k_w x in_c int8).
//
//   The stream: rANS with a 32-bit state kept in [kEntropyStateLow,
//   kEntropyStateLow << 8) and renormalized a byte at a time. The state
//   starts as the stream's first four bytes, big-endian. To decode a symbol
//   under a model, slot = state mod kEntropyTotal picks the symbol s whose
//   cumulative range [cum_s, cum_s + freq_s) holds it; the state becomes
//   freq_s * (state >> kEntropyPrecisionBits) + slot - cum_s, then takes in
//   bytes while below kEntropyStateLow. A stream ends exactly after its last
//   byte with the state at kEntropyStateLow, where the encoder started it.
//
// The stream steers the kernel's reads of itself, so a blob's is decoded in
// full once when it loads (constants_ok): models whose frequencies (each at
// least one) sum to kEntropyTotal, and a stream that decodes every output
// channel's filter exactly (no run past its end) within its bytes and ends
// as the encoder started. (That bounds the reads; it cannot tell every
// damaged stream, since most byte strings decode exactly to some filter:
// the blob's checksum does.)
#ifndef KILN_OPS_CONV2D_ENTROPY_H
#define KILN_OPS_CONV2D_ENTROPY_H

#include "kiln/ops/conv2d.h"

namespace kiln {

constexpr int32_t kEntropyPrecisionBits = 12;
constexpr uint32_t kEntropyTotal = 1u << kEntropyPrecisionBits;
constexpr uint32_t kEntropyStateLow = 1u << 23;
constexpr int32_t kEntropyMaxRun = 32;  // a run of this many has no weight after it
constexpr int32_t kEntropyMaxRunSymbols = kEntropyMaxRun + 1;
constexpr int32_t kEntropyMaxValueSymbols = 255;  // the nonzero int8 values

struct Conv2DEntropyParams {
  Conv2DParams conv;
  int32_t run_symbols;    // 1 to kEntropyMaxRunSymbols
  int32_t value_symbols;  // 0 (an all-zero filter) to kEntropyMaxValueSymbols
  int32_t stream_bytes;   // at least 4
};

// The weights of one output channel's filter.
inline int32_t entropy_row(const Conv2DParams& p) { return p.k_h * p.k_w * p.filter_in_c; }

// One static model: its symbols' frequencies, the most frequent first.
struct EntropyModel {
  const uint16_t* frequencies;
  int32_t symbols;
};

// A decoder over one stream; never reads past its end: a byte past it reads
// as zero and sets `malformed`, as does a first state below the range,
// which a checked stream never does.
struct EntropyDecoder {
  const uint8_t* next;
  const uint8_t* end;
  uint32_t state;
  bool malformed;

  EntropyDecoder(const uint8_t* stream, uint32_t bytes)
      : next(stream), end(stream + bytes), state(0), malformed(false) {
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

  // The next symbol's index under `model` (which has at least one),
  // searched from the first.
  int32_t decode(const EntropyModel& model) { return decode_from(model, 0, 0); }

  // The same, searched from symbol `s` whose cumulative frequency is `cum`,
  // at or before the slot's symbol.
  int32_t decode_from(const EntropyModel& model, int32_t s, uint32_t cum) {
    const uint32_t slot = state & (kEntropyTotal - 1);
    while (s + 1 < model.symbols && slot >= cum + model.frequencies[s])
      cum += model.frequencies[s++];
    state = model.frequencies[s] * (state >> kEntropyPrecisionBits) + slot - cum;
    while (state < kEntropyStateLow) state = (state << 8) | take();
    return s;
  }
};

// Where the search for a slot's symbol starts: for each of
// kEntropyLookupBuckets equal ranges of slots, the symbol holding the
// range's first slot and its cumulative frequency. A kernel builds it in its
// scratch buffer once per call, so a symbol takes a step or two to find
// rather than a walk over the model.
constexpr int32_t kEntropyLookupBuckets = 64;
struct EntropyLookup {
  uint16_t symbol[kEntropyLookupBuckets];
  uint16_t cum[kEntropyLookupBuckets];

  void build(const EntropyModel& m) {
    int32_t s = 0;
    uint32_t c = 0;
    for (int32_t b = 0; b < kEntropyLookupBuckets; ++b) {
      const uint32_t first = static_cast<uint32_t>(b) * (kEntropyTotal / kEntropyLookupBuckets);
      while (s + 1 < m.symbols && first >= c + m.frequencies[s]) c += m.frequencies[s++];
      symbol[b] = static_cast<uint16_t>(s);
      cum[b] = static_cast<uint16_t>(c);
    }
  }
  int32_t decode(EntropyDecoder& d, const EntropyModel& m) const {
    const uint32_t b = (d.state & (kEntropyTotal - 1)) / (kEntropyTotal / kEntropyLookupBuckets);
    return d.decode_from(m, symbol[b], cum[b]);
  }
};

// A layer's two models and what their symbols stand for.
struct EntropyCode {
  EntropyModel runs, values;
  const uint8_t* run_lengths;
  const int8_t* weights;
};

inline EntropyCode entropy_code_of(const Conv2DEntropyParams& p, const void* const* inputs) {
  const uint16_t* frequencies = static_cast<const uint16_t*>(inputs[1]);
  return {{frequencies, p.run_symbols},
          {frequencies + p.run_symbols, p.value_symbols},
          static_cast<const uint8_t*>(inputs[3]),
          static_cast<const int8_t*>(inputs[2])};
}

// Decodes one output channel's filter of `row` weights: zeros(first, count)
// for each run of zeros, weight(index, value) for each nonzero weight; with
// `lookups` (the runs' and the values'), through them. Returns false, having
// stopped, if a run passes the row's end or a weight comes where the values'
// model is empty.
template <typename Zeros, typename Weight>
inline bool entropy_decode_row(EntropyDecoder& d, const EntropyCode& code,
                               const EntropyLookup* lookups, int32_t row, Zeros zeros,
                               Weight weight) {
  for (int32_t i = 0; i < row;) {
    const int32_t r = lookups ? lookups[0].decode(d, code.runs) : d.decode(code.runs);
    const int32_t run = code.run_lengths[r];
    if (run > row - i) return false;
    zeros(i, run);
    i += run;
    if (run == kEntropyMaxRun || i == row) continue;
    if (code.values.symbols == 0) return false;
    const int32_t v = lookups ? lookups[1].decode(d, code.values) : d.decode(code.values);
    weight(i, code.weights[v]);
    ++i;
  }
  return true;
}

inline bool conv2d_entropy_operand_sizes(const Conv2DEntropyParams& p, OperandSizes* s) {
  const Conv2DParams& c = p.conv;
  if (!conv2d_operand_sizes(c, 1, false, s) || c.filter_in_c != c.in_c || p.run_symbols < 1 ||
      p.run_symbols > kEntropyMaxRunSymbols || p.value_symbols < 0 ||
      p.value_symbols > kEntropyMaxValueSymbols || p.stream_bytes < 4) {
    return false;
  }
  const int32_t row = entropy_row(c);
  const int32_t symbols = p.run_symbols + p.value_symbols;
  s->inputs[6] = s->inputs[3];
  s->inputs[5] = s->inputs[2];
  s->inputs[1] = operand_bytes(2, &symbols, 1);
  // An all-zero filter has no values: a one-byte operand that nothing reads.
  s->inputs[2] = p.value_symbols > 0 ? operand_bytes(1, &p.value_symbols, 1) : 1;
  s->inputs[3] = operand_bytes(1, &p.run_symbols, 1);
  s->inputs[4] = flat_bytes(1, p.stream_bytes);
  s->num_inputs = 7;
  // The filter's bytes are bounded (kMaxOperandBytes), so its row is too.
  s->outputs[1] = flat_bytes(1, 2 * static_cast<int32_t>(sizeof(EntropyLookup)) + row);
  s->num_outputs = 2;
  return s->inputs[1] != 0 && s->inputs[4] != 0 && s->outputs[1] != 0;
}

template <>
inline constexpr bool kChecksConstants<Conv2DEntropyParams> = true;

// A model's frequencies: each at least one, summing to kEntropyTotal.
inline bool entropy_model_ok(const EntropyModel& m) {
  uint32_t total = 0;
  for (int32_t s = 0; s < m.symbols; ++s) {
    if (m.frequencies[s] == 0) return false;
    total += m.frequencies[s];
  }
  return m.symbols == 0 || total == kEntropyTotal;
}

// The check of the models, run lengths and stream (inputs[1] to [4], null
// unless the blob stores them as constants), after their sizes have been
// checked: the whole filter decodes from exactly the stream's bytes.
inline bool constants_ok(const Conv2DEntropyParams& p, const void* const* inputs) {
  if (inputs[1] == nullptr || inputs[2] == nullptr || inputs[3] == nullptr ||
      inputs[4] == nullptr) {
    return false;
  }
  const EntropyCode code = entropy_code_of(p, inputs);
  if (!entropy_model_ok(code.runs) || !entropy_model_ok(code.values)) return false;
  for (int32_t s = 0; s < p.run_symbols; ++s) {
    if (code.run_lengths[s] > kEntropyMaxRun) return false;
  }
  EntropyDecoder d(static_cast<const uint8_t*>(inputs[4]), static_cast<uint32_t>(p.stream_bytes));
  const int32_t row = entropy_row(p.conv);
  for (int32_t oc = 0; oc < p.conv.out_c; ++oc) {
    if (!entropy_decode_row(
            d, code, nullptr, row, [](int32_t, int32_t) {}, [](int32_t, int8_t) {}) ||
        d.malformed) {
      return false;
    }
  }
  return d.next == d.end && d.state == kEntropyStateLow;
}

}  // namespace kiln

#endif  // KILN_OPS_CONV2D_ENTROPY_H
