// The loops and arithmetic of UNIDIRECTIONAL_SEQUENCE_LSTM (kiln/ops/lstm.h):
// TFLite Micro's step order and integer arithmetic, one step of `rows`
// sequences at a time: all batches per time step when time major, else one
// sequence at a time (the results are the same; the rows are independent).
// The reference and each instruction set's variant differ only in the gate
// products, Σ w * (x + offset) over a row: integer sums are exact in any
// order (modulo 2^32 for int8 data as TFLite's wrap, 64-bit for int16), so
// every variant gives the reference's bits.
#ifndef KILN_RUNTIME_KERNELS_COMMON_LSTM_H
#define KILN_RUNTIME_KERNELS_COMMON_LSTM_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/common/conv_16x8.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/lstm.h"

namespace kiln {
namespace kernels {

// Two units' gate sums modulo 2^64 (their low 32 bits for int32
// accumulators): the 16x8 convolution's pair of sums.
using GateSums2 = Sums2;

// The reference's gate products, one product at a time.
struct PortableGateProducts {
  template <typename T>
  static uint64_t dot(const T* x, const int8_t* w, int32_t n, int32_t offset) {
    uint64_t acc = 0;
    for (int32_t d = 0; d < n; ++d) {
      acc += static_cast<uint64_t>(static_cast<int64_t>(w[d] * (x[d] + offset)));
    }
    return acc;
  }
  template <typename T>
  static GateSums2 dot2(const T* x, const int8_t* w0, const int8_t* w1, int32_t n, int32_t offset) {
    return {dot(x, w0, n, offset), dot(x, w1, n, offset)};
  }
};

// Σ w over n weights, one at a time.
inline int64_t weight_sum(const int8_t* w, int32_t n) {
  int64_t sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += w[i];
  return sum;
}

// Gate products of int16 activations from an instruction set's 16x8
// convolution products (Dot, Dot2: Σ w * x for one and two weight rows) and
// its weight sum: the offset (0 in TFLite's int16 models) adds offset * Σ w.
template <uint64_t (*Dot)(const int16_t*, const int8_t*, int32_t),
          Sums2 (*Dot2)(const int16_t*, const int8_t*, const int8_t*, int32_t),
          int64_t (*WeightSum)(const int8_t*, int32_t)>
struct Int16GateProducts {
  static uint64_t dot(const int16_t* x, const int8_t* w, int32_t n, int32_t offset) {
    uint64_t sum = Dot(x, w, n);
    if (offset != 0) sum += static_cast<uint64_t>(offset * WeightSum(w, n));
    return sum;
  }
  static GateSums2 dot2(const int16_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                        int32_t offset) {
    GateSums2 sums = Dot2(x, w0, w1, n);
    if (offset != 0) {
      sums.first += static_cast<uint64_t>(offset * WeightSum(w0, n));
      sums.second += static_cast<uint64_t>(offset * WeightSum(w1, n));
    }
    return sums;
  }
};

// The integer kernels' arithmetic for data type T (int8 or int16) with
// accumulator Acc (int32 or int64, the bias type); the gate products come
// from Products (an instruction set's inner products).
template <typename T, typename Acc, typename Products>
struct IntegerLstm {
  using Data = T;
  using Bias = Acc;
  using Cell = int16_t;
  const LstmParams& p;
  const uint16_t* table;

  static int32_t rescale(int32_t acc, int32_t m, int32_t s) {
    return fp::multiply_by_quantized_multiplier(acc, m, s);
  }
  static int32_t rescale(int64_t acc, int32_t m, int32_t s) {
    return fp::multiply_by_quantized_multiplier_64(acc, m, s);
  }
  // int32 sums wrap as TFLite's would, but defined; int64 ones cannot overflow.
  static Acc add(Acc a, Acc b) {
    if constexpr (sizeof(Acc) == sizeof(int32_t)) {
      return fp::wrapping_add(a, b);
    } else {
      return a + b;
    }
  }
  static int16_t saturate16(int32_t v) { return static_cast<int16_t>(fp::clamp(v, -32768, 32767)); }

  // FC(x, W) (+ bias) to Q3.12 int16; offset: minus x's zero point. Units
  // go in pairs, each row of x read once for both.
  void fully_connected(int32_t rows, int32_t depth, const T* x, int32_t offset, const int8_t* w,
                       const Acc* bias, int32_t m, int32_t s, int16_t* out) const {
    const auto finish = [&](int32_t r, int32_t u, Acc acc) {
      if (bias) acc = add(acc, bias[u]);
      out[r * p.units + u] = saturate16(rescale(acc, m, s));
    };
    for (int32_t r = 0; r < rows; ++r) {
      const T* row = x + r * depth;
      int32_t u = 0;
      for (; u + 2 <= p.units; u += 2) {
        const GateSums2 sums =
            Products::dot2(row, w + u * depth, w + (u + 1) * depth, depth, offset);
        finish(r, u, static_cast<Acc>(sums.first));
        finish(r, u + 1, static_cast<Acc>(sums.second));
      }
      if (u < p.units)
        finish(r, u, static_cast<Acc>(Products::dot(row, w + u * depth, depth, offset)));
    }
  }
  int16_t gate_sum(int16_t a, int16_t b) const { return saturate16(a + b); }
  int16_t sigmoid(int16_t v) const { return fp::sigmoid_s16(v * 3, table); }
  int16_t tanh_gate(int16_t v) const { return fp::tanh_s16(v * 3, table); }
  int16_t tanh_cell(int16_t c) const {
    const int32_t round = p.cell_tanh_shift > 0 ? 1 << (p.cell_tanh_shift - 1) : 0;
    return fp::tanh_s16((c * p.cell_tanh_multiplier + round) >> p.cell_tanh_shift, table);
  }
  // TFLite's int16 Mul: the product rescaled, the offset added, clamped.
  static int32_t mul(int16_t a, int16_t b, int32_t m, int32_t s, int32_t offset) {
    return fp::saturating_add(rescale(int32_t{a} * b, m, s), offset);
  }
  int16_t cell(int16_t f, int16_t c, int16_t i, int16_t g) const {
    const int32_t kept = mul(f, c, p.forget_multiplier, p.forget_shift, 0);
    const int32_t added = mul(i, g, p.input_multiplier, p.input_shift, 0);
    int16_t next = saturate16(saturate16(kept) + saturate16(added));
    if (p.quantized_cell_clip > 0) {
      next = static_cast<int16_t>(fp::clamp(next, -p.quantized_cell_clip, p.quantized_cell_clip));
    }
    return next;
  }
  T hidden(int16_t o, int16_t c) const {
    const int32_t lo = sizeof(T) == 1 ? -128 : -32768, hi = sizeof(T) == 1 ? 127 : 32767;
    return static_cast<T>(fp::clamp(
        mul(tanh_cell(c), o, p.hidden_multiplier, p.hidden_shift, p.hidden_zero_point), lo, hi));
  }
};

// The float kernel's arithmetic.
struct FloatLstm {
  using Data = float;
  using Bias = float;
  using Cell = float;
  const LstmParams& p;

  void fully_connected(int32_t rows, int32_t depth, const float* x, int32_t, const float* w,
                       const float* bias, int32_t, int32_t, float* out) const {
    for (int32_t r = 0; r < rows; ++r) {
      for (int32_t u = 0; u < p.units; ++u) {
        float total = 0.0f;
        for (int32_t d = 0; d < depth; ++d) total += x[r * depth + d] * w[u * depth + d];
        out[r * p.units + u] = total + (bias ? bias[u] : 0.0f);
      }
    }
  }
  static float gate_sum(float a, float b) { return a + b; }
  static float sigmoid(float v) {
    // TFLite's float logistic, with its cut-offs.
    if (v > 16.619047164916992188f) return 1.0f;
    if (v < -9.0f) return expf(v);
    return 1.0f / (1.0f + expf(-v));
  }
  static float tanh_gate(float v) { return tanhf(v); }
  float cell(float f, float c, float i, float g) const {
    const float kept = f * c, added = i * g;
    const float next = kept + added;
    if (!(p.cell_clip > 0.0f)) return next;
    return next > p.cell_clip ? p.cell_clip : (next < -p.cell_clip ? -p.cell_clip : next);
  }
  static float hidden(float o, float c) { return tanhf(c) * o; }
};

template <typename Math, typename Weight>
void lstm(const Math& math, const void* const* inputs, void* const* outputs) {
  using Data = typename Math::Data;
  using Cell = typename Math::Cell;
  const LstmParams& p = math.p;
  const Data* input = static_cast<const Data*>(inputs[0]);
  const Weight* weights = static_cast<const Weight*>(inputs[1]);
  const auto* biases = static_cast<const typename Math::Bias*>(inputs[2]);
  Data* output = static_cast<Data*>(outputs[0]);
  Data* hidden = static_cast<Data*>(outputs[1]);
  Cell* cell = static_cast<Cell*>(outputs[2]);
  Cell* scratch = static_cast<Cell*>(outputs[3]);
  const int32_t state = p.batches * p.units;
  Cell* gate[4] = {scratch, scratch + state, scratch + 2 * state, scratch + 3 * state};
  Cell* recurrent = scratch + 4 * state;
  const Weight* input_weights = weights;
  const Weight* recurrent_weights = weights + 4 * p.units * p.input_size;

  // One step for `rows` sequences: x [rows, I], h and c [rows, S] updated,
  // h copied to out.
  auto step = [&](int32_t rows, const Data* x, Data* h, Cell* c, Data* out) {
    // Every gate reads the hidden state from before this step.
    for (int g = 0; g < 4; ++g) {
      const LstmGateRescale& r = p.gates[g];
      math.fully_connected(rows, p.input_size, x, p.input_offset,
                           input_weights + g * p.units * p.input_size, biases + g * p.units,
                           r.input_multiplier, r.input_shift, gate[g]);
      math.fully_connected(rows, p.units, h, p.hidden_offset,
                           recurrent_weights + g * p.units * p.units, nullptr,
                           r.recurrent_multiplier, r.recurrent_shift, recurrent);
      for (int32_t k = 0; k < rows * p.units; ++k) {
        const Cell sum = math.gate_sum(gate[g][k], recurrent[k]);
        gate[g][k] = g == kLstmCellGate ? math.tanh_gate(sum) : math.sigmoid(sum);
      }
    }
    for (int32_t k = 0; k < rows * p.units; ++k) {
      c[k] = math.cell(gate[kLstmForgetGate][k], c[k], gate[kLstmInputGate][k],
                       gate[kLstmCellGate][k]);
      h[k] = math.hidden(gate[kLstmOutputGate][k], c[k]);
    }
    memcpy(out, h, static_cast<size_t>(rows) * p.units * sizeof(Data));
  };

  if (p.time_major) {
    for (int32_t t = 0; t < p.time_steps; ++t) {
      step(p.batches, input + t * p.batches * p.input_size, hidden, cell,
           output + t * p.batches * p.units);
    }
    return;
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t t = 0; t < p.time_steps; ++t) {
      const int32_t row = b * p.time_steps + t;
      step(1, input + row * p.input_size, hidden + b * p.units, cell + b * p.units,
           output + row * p.units);
    }
  }
}

// The integer kernels (operands as kiln/ops/lstm.h states) with the gate
// products of `Products`.
template <typename Products>
void lstm_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const IntegerLstm<int8_t, int32_t, Products> math{*static_cast<const LstmParams*>(params),
                                                    static_cast<const uint16_t*>(inputs[3])};
  lstm<decltype(math), int8_t>(math, inputs, outputs);
}
template <typename Products>
void lstm_s16(const void* params, const void* const* inputs, void* const* outputs) {
  const IntegerLstm<int16_t, int64_t, Products> math{*static_cast<const LstmParams*>(params),
                                                     static_cast<const uint16_t*>(inputs[3])};
  lstm<decltype(math), int8_t>(math, inputs, outputs);
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_LSTM_H
