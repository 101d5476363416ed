// Element-wise ops that compute on values as they are stored: arithmetic on
// float and integer tensors, minimum and maximum, comparisons (bool
// outputs), logical ops on bool tensors and float math functions; and
// SELECT, which picks between two tensors by a bool one. One kernel per
// element type runs every operation of the type; the operation is a
// parameter. Operands: input1 (, input2); output. Binary operations broadcast
// (elementwise.h's right-aligned dims).
#ifndef KILN_OPS_POINTWISE_H
#define KILN_OPS_POINTWISE_H

#include "kiln/ops/elementwise.h"

namespace kiln {

enum class PointwiseOp : int32_t {
  // binary, output of the input type
  kAdd = 0,
  kSub = 1,
  kMul = 2,
  kDiv = 3,
  kMinimum = 4,
  kMaximum = 5,
  kSquaredDifference = 6,
  kFloorDiv = 7,
  kFloorMod = 8,
  kLogicalAnd = 9,
  kLogicalOr = 10,
  // binary, bool output
  kEqual = 11,
  kNotEqual = 12,
  kLess = 13,
  kLessEqual = 14,
  kGreater = 15,
  kGreaterEqual = 16,
  // unary, output of the input type
  kLogicalNot = 17,
  kAbs = 18,
  kNeg = 19,
  kExp = 20,
  kLog = 21,
  kSqrt = 22,
  kRsqrt = 23,
  kSquare = 24,
  kFloor = 25,
  kCeil = 26,
  kRound = 27,  // half to even, as TFLite
  kSin = 28,
  kCos = 29,
  kElu = 30,       // x < 0 ? exp(x) - 1 : x
  kGelu = 31,      // x erfc(-x / sqrt 2) / 2 = x (1 + erf(x / sqrt 2)) / 2
  kGeluTanh = 32,  // x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2
  kCount = 33
};

inline bool pointwise_is_unary(int32_t op) {
  return op >= static_cast<int32_t>(PointwiseOp::kLogicalNot) &&
         op < static_cast<int32_t>(PointwiseOp::kCount);
}
inline bool pointwise_is_comparison(int32_t op) {
  return op >= static_cast<int32_t>(PointwiseOp::kEqual) &&
         op <= static_cast<int32_t>(PointwiseOp::kGreaterEqual);
}

// The element types a kernel of the family runs on.
enum class PointwiseType : int32_t { kF32, kS32, kS64, kS16, kS8, kBool };

// Whether the kernel for `type` has operation `op`.
inline bool pointwise_supports(PointwiseType type, int32_t op) {
  const bool comparison = pointwise_is_comparison(op);
  const bool min_max = op == static_cast<int32_t>(PointwiseOp::kMinimum) ||
                       op == static_cast<int32_t>(PointwiseOp::kMaximum);
  const bool equality = op == static_cast<int32_t>(PointwiseOp::kEqual) ||
                        op == static_cast<int32_t>(PointwiseOp::kNotEqual);
  const bool logical = op == static_cast<int32_t>(PointwiseOp::kLogicalAnd) ||
                       op == static_cast<int32_t>(PointwiseOp::kLogicalOr) ||
                       op == static_cast<int32_t>(PointwiseOp::kLogicalNot);
  switch (type) {
    case PointwiseType::kF32:
      return op >= 0 && op < static_cast<int32_t>(PointwiseOp::kCount) && !logical;
    case PointwiseType::kS32:
    case PointwiseType::kS64:
      return (op >= 0 && op <= static_cast<int32_t>(PointwiseOp::kFloorMod)) || comparison;
    case PointwiseType::kS16:
    case PointwiseType::kS8: return min_max || comparison;
    case PointwiseType::kBool: return equality || logical;
  }
  return false;
}

struct PointwiseParams {
  int32_t out_dims[kMaxBroadcastRank];
  int32_t in1_dims[kMaxBroadcastRank];  // each 1 or equal to out_dims
  int32_t in2_dims[kMaxBroadcastRank];  // unused by unary operations
  int32_t operation;                    // PointwiseOp
  // int8 and int16 comparisons compare TFLite's rescaled values:
  // ((x + offset) << left_shift) times the input's multiplier.
  int32_t left_shift;
  int32_t input1_offset, input1_multiplier, input1_shift;
  int32_t input2_offset, input2_multiplier, input2_shift;
  // The fused activation's range of integer and float arithmetic.
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
};

inline bool pointwise_operand_sizes(const PointwiseParams& p, PointwiseType type, OperandSizes* s) {
  static const uint32_t kSizes[] = {4, 4, 8, 2, 1, 1};
  const uint32_t size = kSizes[static_cast<int>(type)];
  if (!pointwise_supports(type, p.operation) || p.left_shift < 0 || p.left_shift > 8 ||
      !shift_ok(p.input1_shift) || !shift_ok(p.input2_shift) || p.input1_offset < -65536 ||
      p.input1_offset > 65536 || p.input2_offset < -65536 || p.input2_offset > 65536)
    return false;
  const bool unary = pointwise_is_unary(p.operation);
  for (int i = 0; i < kMaxBroadcastRank; ++i) {
    if ((p.in1_dims[i] != 1 && p.in1_dims[i] != p.out_dims[i]) ||
        (!unary && p.in2_dims[i] != 1 && p.in2_dims[i] != p.out_dims[i]) ||
        (unary && p.in1_dims[i] != p.out_dims[i]))
      return false;
  }
  s->num_inputs = unary ? 1 : 2;
  s->num_outputs = 1;
  s->inputs[0] = operand_bytes(size, p.in1_dims, kMaxBroadcastRank);
  if (!unary) {
    s->inputs[1] = operand_bytes(size, p.in2_dims, kMaxBroadcastRank);
    if (!s->inputs[1]) return false;
  }
  s->outputs[0] =
      operand_bytes(pointwise_is_comparison(p.operation) ? 1 : size, p.out_dims, kMaxBroadcastRank);
  return s->inputs[0] && s->outputs[0];
}

// SELECT: operands condition (bool), x, y; output. output = condition ? x : y,
// all three broadcast to the output.
struct SelectParams {
  int32_t out_dims[kMaxBroadcastRank];
  int32_t condition_dims[kMaxBroadcastRank];
  int32_t x_dims[kMaxBroadcastRank];
  int32_t y_dims[kMaxBroadcastRank];
  int32_t element_size;  // 1, 2, 4 or 8
};

inline bool select_operand_sizes(const SelectParams& p, OperandSizes* s) {
  const uint32_t es = static_cast<uint32_t>(p.element_size);
  if (es != 1 && es != 2 && es != 4 && es != 8) return false;
  for (int i = 0; i < kMaxBroadcastRank; ++i) {
    if ((p.condition_dims[i] != 1 && p.condition_dims[i] != p.out_dims[i]) ||
        (p.x_dims[i] != 1 && p.x_dims[i] != p.out_dims[i]) ||
        (p.y_dims[i] != 1 && p.y_dims[i] != p.out_dims[i]))
      return false;
  }
  s->num_inputs = 3;
  s->num_outputs = 1;
  s->inputs[0] = operand_bytes(1, p.condition_dims, kMaxBroadcastRank);
  s->inputs[1] = operand_bytes(es, p.x_dims, kMaxBroadcastRank);
  s->inputs[2] = operand_bytes(es, p.y_dims, kMaxBroadcastRank);
  s->outputs[0] = operand_bytes(es, p.out_dims, kMaxBroadcastRank);
  return s->inputs[0] && s->inputs[1] && s->inputs[2] && s->outputs[0];
}

}  // namespace kiln

#endif  // KILN_OPS_POINTWISE_H
