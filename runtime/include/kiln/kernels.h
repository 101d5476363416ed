// The kernel list: every opcode a blob may name, with its parameter struct,
// the function that states its operand sizes, and the kernel that runs it.
//
// An opcode is an (op, element type, instruction set) triple; its number is
// part of the blob format and never changes. The reference kernels (`ref`)
// run everywhere; a variant for an instruction set (`arm_dsp`, `arm_mve`,
// `x86_avx2`) is chosen by the compiler for targets that have it, and a
// runtime built without that set refuses blobs that name it. KILN_OPCODES drives the
// kernels' declarations, the executor's dispatch table, the compiler's choice of
// variants and the tests, so adding a kernel is its source file and one line.
#ifndef KILN_KERNELS_H
#define KILN_KERNELS_H

#include <stdint.h>

#include "kiln/ops/activation.h"
#include "kiln/ops/batch_matmul.h"
#include "kiln/ops/control.h"
#include "kiln/ops/conv2d.h"
#include "kiln/ops/conv2d_a1.h"
#include "kiln/ops/conv2d_b1.h"
#include "kiln/ops/conv2d_entropy.h"
#include "kiln/ops/conv2d_sparse.h"
#include "kiln/ops/conv2d_w4.h"
#include "kiln/ops/data_movement.h"
#include "kiln/ops/dynamic.h"
#include "kiln/ops/elementwise.h"
#include "kiln/ops/fully_connected.h"
#include "kiln/ops/gather.h"
#include "kiln/ops/lstm.h"
#include "kiln/ops/normalization.h"
#include "kiln/ops/packed_conv2d.h"
#include "kiln/ops/packed_elementwise.h"
#include "kiln/ops/pointwise.h"
#include "kiln/ops/pool2d.h"
#include "kiln/ops/quantize.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/resize.h"
#include "kiln/ops/signal.h"
#include "kiln/ops/signal_streams.h"
#include "kiln/ops/sums.h"
#include "kiln/ops/svdf.h"
#include "kiln/ops/transpose_conv.h"

namespace kiln {

// X(name, number, params struct, operand-size expression over `p` and `s`,
//   instruction set, kernel: the function kiln::<instruction set>::<kernel>)
#define KILN_OPCODES(X)                                                                            \
  X(CONV_2D_S8, 1, Conv2DParams, conv2d_operand_sizes(p, 1, false, s), ref, conv2d_s8)             \
  X(CONV_2D_F32, 2, Conv2DParams, conv2d_operand_sizes(p, 4, false, s), ref, conv2d_f32)           \
  X(DEPTHWISE_CONV_2D_S8, 3, Conv2DParams, conv2d_operand_sizes(p, 1, true, s), ref,               \
    depthwise_conv2d_s8)                                                                           \
  X(DEPTHWISE_CONV_2D_F32, 4, Conv2DParams, conv2d_operand_sizes(p, 4, true, s), ref,              \
    depthwise_conv2d_f32)                                                                          \
  X(FULLY_CONNECTED_S8, 5, FullyConnectedParams, fully_connected_operand_sizes(p, 1, s), ref,      \
    fully_connected_s8)                                                                            \
  X(FULLY_CONNECTED_F32, 6, FullyConnectedParams, fully_connected_operand_sizes(p, 4, s), ref,     \
    fully_connected_f32)                                                                           \
  X(AVERAGE_POOL_2D_S8, 7, Pool2DParams, pool2d_operand_sizes(p, 1, s), ref, average_pool2d_s8)    \
  X(AVERAGE_POOL_2D_F32, 8, Pool2DParams, pool2d_operand_sizes(p, 4, s), ref, average_pool2d_f32)  \
  X(MAX_POOL_2D_S8, 9, Pool2DParams, pool2d_operand_sizes(p, 1, s), ref, max_pool2d_s8)            \
  X(MAX_POOL_2D_F32, 10, Pool2DParams, pool2d_operand_sizes(p, 4, s), ref, max_pool2d_f32)         \
  X(ADD_S8, 11, BinaryParams, binary_operand_sizes(p, 1, s), ref, add_s8)                          \
  X(ADD_F32, 12, BinaryParams, binary_operand_sizes(p, 4, s), ref, add_f32)                        \
  X(MUL_S8, 13, BinaryParams, binary_operand_sizes(p, 1, s), ref, mul_s8)                          \
  X(MUL_F32, 14, BinaryParams, binary_operand_sizes(p, 4, s), ref, mul_f32)                        \
  X(SOFTMAX_S8, 15, SoftmaxParams, softmax_operand_sizes(p, 1, 1, s), ref, softmax_s8)             \
  X(SOFTMAX_F32, 16, SoftmaxParams, softmax_operand_sizes(p, 4, 4, s), ref, softmax_f32)           \
  X(LOGISTIC_S8, 17, LogisticParams, logistic_operand_sizes(p, 1, s), ref, logistic_s8)            \
  X(LOGISTIC_F32, 18, LogisticParams, logistic_operand_sizes(p, 4, s), ref, logistic_f32)          \
  X(QUANTIZE_F32_S8, 19, QuantizeParams, quantize_operand_sizes(p, 4, 1, s), ref, quantize_f32_s8) \
  X(REQUANTIZE_S8, 20, QuantizeParams, quantize_operand_sizes(p, 1, 1, s), ref, requantize_s8)     \
  X(DEQUANTIZE_S8_F32, 21, QuantizeParams, quantize_operand_sizes(p, 1, 4, s), ref,                \
    dequantize_s8_f32)                                                                             \
  X(COPY, 22, CopyParams, copy_operand_sizes(p, s), ref, copy)                                     \
  X(PAD, 23, PadParams, pad_operand_sizes(p, s), ref, pad)                                         \
  X(CONCATENATION, 24, ConcatParams, concat_operand_sizes(p, s), ref, concatenation)               \
  X(MEAN_S8, 25, ReduceParams, reduce_operand_sizes(p, 1, true, s), ref, mean_s8)                  \
  X(MEAN_F32, 26, ReduceParams, reduce_operand_sizes(p, 4, false, s), ref, mean_f32)               \
  X(CONV_2D_HYBRID, 27, Conv2DParams, conv2d_hybrid_operand_sizes(p, s), ref, conv2d_hybrid)       \
  X(CONV_2D_S8_ARM_DSP, 28, PackedConv2DParams,                                                    \
    packed_conv2d_operand_sizes(p, kArmDspConvLayout, s), arm_dsp, conv2d_s8)                      \
  X(DEPTHWISE_CONV_2D_S8_ARM_DSP, 29, Conv2DParams,                                                \
    packed_depthwise_operand_sizes(p, arm_dsp_depthwise_layout(p), s), arm_dsp,                    \
    depthwise_conv2d_s8)                                                                           \
  X(CONV_2D_S8_ARM_MVE, 30, PackedConv2DParams,                                                    \
    packed_conv2d_operand_sizes(p, kArmMveConvLayout, s), arm_mve, conv2d_s8)                      \
  X(DEPTHWISE_CONV_2D_S8_ARM_MVE, 31, Conv2DParams,                                                \
    packed_depthwise_operand_sizes(p, arm_mve_depthwise_layout(p), s), arm_mve,                    \
    depthwise_conv2d_s8)                                                                           \
  X(CONV_2D_S8_X86_AVX2, 32, PackedConv2DParams,                                                   \
    packed_conv2d_operand_sizes(p, kX86Avx2ConvLayout, s), x86_avx2, conv2d_s8)                    \
  X(DEPTHWISE_CONV_2D_S8_X86_AVX2, 33, Conv2DParams,                                               \
    packed_depthwise_operand_sizes(p, kX86Avx2DepthwiseLayout, s), x86_avx2, depthwise_conv2d_s8)  \
  X(SUB_S8, 34, BinaryParams, binary_operand_sizes(p, 1, s), ref, sub_s8)                          \
  X(SUB_F32, 35, BinaryParams, binary_operand_sizes(p, 4, s), ref, sub_f32)                        \
  X(TRANSPOSE, 36, TransposeParams, transpose_operand_sizes(p, s), ref, transpose)                 \
  X(TANH_S8, 37, TanhParams, logistic_operand_sizes(p, 1, s), ref, tanh_s8)                        \
  X(TANH_F32, 38, TanhParams, logistic_operand_sizes(p, 4, s), ref, tanh_f32)                      \
  X(CLAMP_S8, 39, ClampParams, clamp_operand_sizes(p, 1, s), ref, clamp_s8)                        \
  X(CLAMP_F32, 40, ClampParams, clamp_operand_sizes(p, 4, s), ref, clamp_f32)                      \
  X(LEAKY_RELU_S8, 41, LeakyReluParams, leaky_relu_operand_sizes(p, 1, s), ref, leaky_relu_s8)     \
  X(LEAKY_RELU_F32, 42, LeakyReluParams, leaky_relu_operand_sizes(p, 4, s), ref, leaky_relu_f32)   \
  X(HARD_SWISH_F32, 43, HardSwishParams, hard_swish_operand_sizes(p, 4, s), ref, hard_swish_f32)   \
  X(TRANSPOSE_CONV_S8, 44, TransposeConvParams, transpose_conv_operand_sizes(p, 1, s), ref,        \
    transpose_conv_s8)                                                                             \
  X(TRANSPOSE_CONV_F32, 45, TransposeConvParams, transpose_conv_operand_sizes(p, 4, s), ref,       \
    transpose_conv_f32)                                                                            \
  X(REQUANTIZE_U8_S8, 46, QuantizeParams, quantize_operand_sizes(p, 1, 1, s), ref,                 \
    requantize_u8_s8)                                                                              \
  X(REQUANTIZE_S8_U8, 47, QuantizeParams, quantize_operand_sizes(p, 1, 1, s), ref,                 \
    requantize_s8_u8)                                                                              \
  X(ADD_S8_ARM_DSP, 48, PackedAddParams, rescaled_add_operand_sizes<ArmDspAddTable>(p, s),         \
    arm_dsp, add_s8)                                                                               \
  X(ADD_S8_ARM_MVE, 49, PackedAddParams, rescaled_add_operand_sizes<AddRescaleTable>(p, s),        \
    arm_mve, add_s8)                                                                               \
  X(ADD_S8_X86_AVX2, 50, PackedAddParams, packed_add_operand_sizes(p, s), x86_avx2, add_s8)        \
  X(AVERAGE_POOL_2D_S8_ARM_DSP, 51, Pool2DParams,                                                  \
    packed_pool2d_operand_sizes(p, kArmDspPoolLanes, true, s), arm_dsp, average_pool2d_s8)         \
  X(MAX_POOL_2D_S8_ARM_DSP, 52, Pool2DParams,                                                      \
    packed_pool2d_operand_sizes(p, kArmDspPoolLanes, false, s), arm_dsp, max_pool2d_s8)            \
  X(AVERAGE_POOL_2D_S8_ARM_MVE, 53, Pool2DParams,                                                  \
    packed_pool2d_operand_sizes(p, kArmMvePoolLanes, true, s), arm_mve, average_pool2d_s8)         \
  X(MAX_POOL_2D_S8_ARM_MVE, 54, Pool2DParams,                                                      \
    packed_pool2d_operand_sizes(p, kArmMvePoolLanes, false, s), arm_mve, max_pool2d_s8)            \
  X(AVERAGE_POOL_2D_S8_X86_AVX2, 55, Pool2DParams,                                                 \
    packed_pool2d_operand_sizes(p, kX86Avx2PoolLanes, true, s), x86_avx2, average_pool2d_s8)       \
  X(MAX_POOL_2D_S8_X86_AVX2, 56, Pool2DParams,                                                     \
    packed_pool2d_operand_sizes(p, kX86Avx2PoolLanes, false, s), x86_avx2, max_pool2d_s8)          \
  X(MEAN_S16, 57, ReduceParams, reduce_operand_sizes(p, 2, true, s), ref, mean_s16)                \
  X(STRIDED_COPY, 58, StridedCopyParams, strided_copy_operand_sizes(p, s), ref, strided_copy)      \
  X(POINTWISE_F32, 59, PointwiseParams, pointwise_operand_sizes(p, PointwiseType::kF32, s), ref,   \
    pointwise_f32)                                                                                 \
  X(POINTWISE_S32, 60, PointwiseParams, pointwise_operand_sizes(p, PointwiseType::kS32, s), ref,   \
    pointwise_s32)                                                                                 \
  X(POINTWISE_S64, 61, PointwiseParams, pointwise_operand_sizes(p, PointwiseType::kS64, s), ref,   \
    pointwise_s64)                                                                                 \
  X(POINTWISE_S16, 62, PointwiseParams, pointwise_operand_sizes(p, PointwiseType::kS16, s), ref,   \
    pointwise_s16)                                                                                 \
  X(POINTWISE_S8, 63, PointwiseParams, pointwise_operand_sizes(p, PointwiseType::kS8, s), ref,     \
    pointwise_s8)                                                                                  \
  X(POINTWISE_BOOL, 64, PointwiseParams, pointwise_operand_sizes(p, PointwiseType::kBool, s), ref, \
    pointwise_bool)                                                                                \
  X(SELECT, 65, SelectParams, select_operand_sizes(p, s), ref, select)                             \
  X(QUANTIZE_F32_S16, 66, QuantizeParams, quantize_operand_sizes(p, 4, 2, s), ref,                 \
    quantize_f32_s16)                                                                              \
  X(REQUANTIZE_S16, 67, QuantizeParams, quantize_operand_sizes(p, 2, 2, s), ref, requantize_s16)   \
  X(REQUANTIZE_S16_S8, 68, QuantizeParams, quantize_operand_sizes(p, 2, 1, s), ref,                \
    requantize_s16_s8)                                                                             \
  X(REQUANTIZE_S8_S16, 69, QuantizeParams, quantize_operand_sizes(p, 1, 2, s), ref,                \
    requantize_s8_s16)                                                                             \
  X(REQUANTIZE_S16_S32, 70, QuantizeParams, quantize_operand_sizes(p, 2, 4, s), ref,               \
    requantize_s16_s32)                                                                            \
  X(REQUANTIZE_S8_S32, 71, QuantizeParams, quantize_operand_sizes(p, 1, 4, s), ref,                \
    requantize_s8_s32)                                                                             \
  X(DEQUANTIZE_S16_F32, 72, QuantizeParams, quantize_operand_sizes(p, 2, 4, s), ref,               \
    dequantize_s16_f32)                                                                            \
  X(DEQUANTIZE_U8_F32, 73, QuantizeParams, quantize_operand_sizes(p, 1, 4, s), ref,                \
    dequantize_u8_f32)                                                                             \
  X(CAST, 74, CastParams, cast_operand_sizes(p, s), ref, cast)                                     \
  X(SUM_F32, 75, ReduceParams, reduce_operand_sizes(p, 4, false, s), ref, sum_f32)                 \
  X(REDUCE_MAX_F32, 76, ReduceParams, reduce_operand_sizes(p, 4, false, s), ref, reduce_max_f32)   \
  X(REDUCE_MAX_S8, 77, ReduceParams, reduce_operand_sizes(p, 1, false, s), ref, reduce_max_s8)     \
  X(REDUCE_MAX_S16, 78, ReduceParams, reduce_operand_sizes(p, 2, false, s), ref, reduce_max_s16)   \
  X(REDUCE_MIN_F32, 79, ReduceParams, reduce_operand_sizes(p, 4, false, s), ref, reduce_min_f32)   \
  X(REDUCE_MIN_S8, 80, ReduceParams, reduce_operand_sizes(p, 1, false, s), ref, reduce_min_s8)     \
  X(REDUCE_MIN_S16, 81, ReduceParams, reduce_operand_sizes(p, 2, false, s), ref, reduce_min_s16)   \
  X(GATHER, 82, GatherParams, gather_operand_sizes(p, s), ref, gather)                             \
  X(GATHER_ND, 83, GatherNdParams, gather_nd_operand_sizes(p, s), ref, gather_nd)                  \
  X(ARG_MAX_F32, 84, ArgParams, arg_operand_sizes(p, 4, s), ref, arg_max_f32)                      \
  X(ARG_MAX_S8, 85, ArgParams, arg_operand_sizes(p, 1, s), ref, arg_max_s8)                        \
  X(ARG_MAX_S16, 86, ArgParams, arg_operand_sizes(p, 2, s), ref, arg_max_s16)                      \
  X(ARG_MAX_S32, 87, ArgParams, arg_operand_sizes(p, 4, s), ref, arg_max_s32)                      \
  X(ARG_MIN_F32, 88, ArgParams, arg_operand_sizes(p, 4, s), ref, arg_min_f32)                      \
  X(ARG_MIN_S8, 89, ArgParams, arg_operand_sizes(p, 1, s), ref, arg_min_s8)                        \
  X(ARG_MIN_S16, 90, ArgParams, arg_operand_sizes(p, 2, s), ref, arg_min_s16)                      \
  X(ARG_MIN_S32, 91, ArgParams, arg_operand_sizes(p, 4, s), ref, arg_min_s32)                      \
  X(ADD_S16, 92, BinaryParams, binary_operand_sizes(p, 2, s), ref, add_s16)                        \
  X(SUB_S16, 93, BinaryParams, binary_operand_sizes(p, 2, s), ref, sub_s16)                        \
  X(MUL_S16, 94, BinaryParams, binary_operand_sizes(p, 2, s), ref, mul_s16)                        \
  X(CLAMP_S16, 95, ClampParams, clamp_operand_sizes(p, 2, s), ref, clamp_s16)                      \
  X(LEAKY_RELU_S16, 96, LeakyReluParams, leaky_relu_operand_sizes(p, 2, s), ref, leaky_relu_s16)   \
  X(AVERAGE_POOL_2D_S16, 97, Pool2DParams, pool2d_operand_sizes(p, 2, s), ref, average_pool2d_s16) \
  X(MAX_POOL_2D_S16, 98, Pool2DParams, pool2d_operand_sizes(p, 2, s), ref, max_pool2d_s16)         \
  X(CONV_2D_S16, 99, Conv2DParams, conv2d_16x8_operand_sizes(p, false, 8, s), ref, conv2d_s16)     \
  X(CONV_2D_S16_B32, 100, Conv2DParams, conv2d_16x8_operand_sizes(p, false, 4, s), ref,            \
    conv2d_s16_b32)                                                                                \
  X(DEPTHWISE_CONV_2D_S16, 101, Conv2DParams, conv2d_16x8_operand_sizes(p, true, 8, s), ref,       \
    depthwise_conv2d_s16)                                                                          \
  X(TRANSPOSE_CONV_S16, 102, TransposeConvParams, transpose_conv_16x8_operand_sizes(p, s), ref,    \
    transpose_conv_s16)                                                                            \
  X(REQUANTIZE_S32_S16, 103, QuantizeParams, quantize_operand_sizes(p, 4, 2, s), ref,              \
    requantize_s32_s16)                                                                            \
  X(REQUANTIZE_S32_S8, 104, QuantizeParams, quantize_operand_sizes(p, 4, 1, s), ref,               \
    requantize_s32_s8)                                                                             \
  X(PRELU_S8, 105, PreluParams, prelu_operand_sizes(p, 1, s), ref, prelu_s8)                       \
  X(PRELU_S16, 106, PreluParams, prelu_operand_sizes(p, 2, s), ref, prelu_s16)                     \
  X(PRELU_F32, 107, PreluParams, prelu_operand_sizes(p, 4, s), ref, prelu_f32)                     \
  X(LOOKUP_S8, 108, LookupParams, lookup_operand_sizes(p, s), ref, lookup_s8)                      \
  X(ABS_S16, 109, QuantizeParams, quantize_operand_sizes(p, 2, 2, s), ref, abs_s16)                \
  X(RSQRT_S16, 110, QuantizeParams, quantize_operand_sizes(p, 2, 2, s), ref, rsqrt_s16)            \
  X(SQUARED_DIFFERENCE_S8, 111, BinaryParams, binary_operand_sizes(p, 1, s), ref,                  \
    squared_difference_s8)                                                                         \
  X(SQUARED_DIFFERENCE_S16, 112, BinaryParams, binary_operand_sizes(p, 2, s), ref,                 \
    squared_difference_s16)                                                                        \
  X(DIV_S8, 113, BinaryParams, binary_operand_sizes(p, 1, s), ref, div_s8)                         \
  X(L2_POOL_2D_F32, 114, Pool2DParams, pool2d_operand_sizes(p, 4, s), ref, l2_pool2d_f32)          \
  X(LOG_SOFTMAX_S8, 115, LogSoftmaxParams, log_softmax_operand_sizes(p, 1, s), ref,                \
    log_softmax_s8)                                                                                \
  X(LOG_SOFTMAX_F32, 116, LogSoftmaxParams, log_softmax_operand_sizes(p, 4, s), ref,               \
    log_softmax_f32)                                                                               \
  X(L2_NORMALIZATION_S8, 117, L2NormalizationParams, l2_normalization_operand_sizes(p, 1, s), ref, \
    l2_normalization_s8)                                                                           \
  X(L2_NORMALIZATION_F32, 118, L2NormalizationParams, l2_normalization_operand_sizes(p, 4, s),     \
    ref, l2_normalization_f32)                                                                     \
  X(SOFTMAX_S8_S16, 119, SoftmaxParams, softmax_operand_sizes(p, 1, 2, s), ref, softmax_s8_s16)    \
  X(SOFTMAX_S16, 120, SoftmaxParams, softmax_s16_operand_sizes(p, s), ref, softmax_s16)            \
  X(RESIZE_BILINEAR_S8, 121, ResizeBilinearParams, resize_bilinear_operand_sizes(p, 1, s), ref,    \
    resize_bilinear_s8)                                                                            \
  X(RESIZE_BILINEAR_F32, 122, ResizeBilinearParams, resize_bilinear_operand_sizes(p, 4, s), ref,   \
    resize_bilinear_f32)                                                                           \
  X(BATCH_MATMUL_S8, 123, BatchMatMulParams, batch_matmul_operand_sizes(p, 1, s), ref,             \
    batch_matmul_s8)                                                                               \
  X(BATCH_MATMUL_S16, 124, BatchMatMulParams, batch_matmul_operand_sizes(p, 2, s), ref,            \
    batch_matmul_s16)                                                                              \
  X(BATCH_MATMUL_F32, 125, BatchMatMulParams, batch_matmul_operand_sizes(p, 4, s), ref,            \
    batch_matmul_f32)                                                                              \
  X(ADD_N_S8, 126, AddNParams, add_n_operand_sizes(p, 1, s), ref, add_n_s8)                        \
  X(ADD_N_F32, 127, AddNParams, add_n_operand_sizes(p, 4, s), ref, add_n_f32)                      \
  X(CUMSUM_S8, 128, CumsumParams, cumsum_operand_sizes(p, 1, s), ref, cumsum_s8)                   \
  X(CUMSUM_F32, 129, CumsumParams, cumsum_operand_sizes(p, 4, s), ref, cumsum_f32)                 \
  X(DYNAMIC_UPDATE_SLICE, 130, DynamicUpdateSliceParams, dynamic_update_slice_operand_sizes(p, s), \
    ref, dynamic_update_slice)                                                                     \
  X(BROADCAST_ARGS, 131, BroadcastArgsParams, broadcast_args_operand_sizes(p, s), ref,             \
    broadcast_args)                                                                                \
  X(SVDF_S8, 132, SvdfParams, svdf_operand_sizes(p, 1, 1, 2, s), ref, svdf_s8)                     \
  X(SVDF_F32, 133, SvdfParams, svdf_operand_sizes(p, 4, 4, 4, s), ref, svdf_f32)                   \
  X(LOGISTIC_S16, 134, LogisticParams, sigmoid_table_operand_sizes(p, s), ref, logistic_s16)       \
  X(TANH_S16, 135, TanhParams, sigmoid_table_operand_sizes(p, s), ref, tanh_s16)                   \
  X(LSTM_S8, 136, LstmParams, lstm_operand_sizes(p, 1, 1, 4, 2, true, s), ref, lstm_s8)            \
  X(LSTM_S16, 137, LstmParams, lstm_operand_sizes(p, 2, 1, 8, 2, true, s), ref, lstm_s16)          \
  X(LSTM_F32, 138, LstmParams, lstm_operand_sizes(p, 4, 4, 4, 4, false, s), ref, lstm_f32)         \
  X(BRANCH, 139, BranchParams, branch_operand_sizes(p, s), ref, branch)                            \
  X(CONV_2D_S16_ARM_DSP, 140, Conv2DParams, conv2d_16x8_operand_sizes(p, false, 8, s), arm_dsp,    \
    conv2d_s16)                                                                                    \
  X(CONV_2D_S16_B32_ARM_DSP, 141, Conv2DParams, conv2d_16x8_operand_sizes(p, false, 4, s),         \
    arm_dsp, conv2d_s16_b32)                                                                       \
  X(CONV_2D_S16_ARM_MVE, 142, Conv2DParams, conv2d_16x8_operand_sizes(p, false, 8, s), arm_mve,    \
    conv2d_s16)                                                                                    \
  X(CONV_2D_S16_B32_ARM_MVE, 143, Conv2DParams, conv2d_16x8_operand_sizes(p, false, 4, s),         \
    arm_mve, conv2d_s16_b32)                                                                       \
  X(DEPTHWISE_CONV_2D_S16_ARM_DSP, 144, Conv2DParams, depthwise_16x8_variant_operand_sizes(p, s),  \
    arm_dsp, depthwise_conv2d_s16)                                                                 \
  X(DEPTHWISE_CONV_2D_S16_ARM_MVE, 145, Conv2DParams, depthwise_16x8_variant_operand_sizes(p, s),  \
    arm_mve, depthwise_conv2d_s16)                                                                 \
  X(LSTM_S8_ARM_DSP, 146, LstmParams, lstm_operand_sizes(p, 1, 1, 4, 2, true, s), arm_dsp,         \
    lstm_s8)                                                                                       \
  X(LSTM_S16_ARM_DSP, 147, LstmParams, lstm_operand_sizes(p, 2, 1, 8, 2, true, s), arm_dsp,        \
    lstm_s16)                                                                                      \
  X(LSTM_S8_ARM_MVE, 148, LstmParams, lstm_operand_sizes(p, 1, 1, 4, 2, true, s), arm_mve,         \
    lstm_s8)                                                                                       \
  X(LSTM_S16_ARM_MVE, 149, LstmParams, lstm_operand_sizes(p, 2, 1, 8, 2, true, s), arm_mve,        \
    lstm_s16)                                                                                      \
  X(CONV_2D_S8_W4, 150, Conv2DW4Params, conv2d_w4_operand_sizes(p, false, s), ref, conv2d_s8_w4)   \
  X(DEPTHWISE_CONV_2D_S8_W4, 151, Conv2DW4Params, conv2d_w4_operand_sizes(p, true, s), ref,        \
    depthwise_conv2d_s8_w4)                                                                        \
  X(CONV_2D_S8_W4_ARM_DSP, 152, Conv2DW4Params, conv2d_w4_pair_table_operand_sizes(p, s), arm_dsp, \
    conv2d_s8_w4)                                                                                  \
  X(CONV_2D_S8_W4_ARM_MVE, 153, Conv2DW4Params, conv2d_w4_runs_operand_sizes(p, s), arm_mve,       \
    conv2d_s8_w4)                                                                                  \
  X(CONV_2D_S8_SPARSE, 154, Conv2DSparseParams, conv2d_sparse_operand_sizes(p, s), ref,            \
    conv2d_s8_sparse)                                                                              \
  X(CONV_2D_S8_SPARSE_ARM_DSP, 155, Conv2DSparseParams, conv2d_sparse_variant_operand_sizes(p, s), \
    arm_dsp, conv2d_s8_sparse)                                                                     \
  X(CONV_2D_S8_SPARSE_ARM_MVE, 156, Conv2DSparseParams, conv2d_sparse_variant_operand_sizes(p, s), \
    arm_mve, conv2d_s8_sparse)                                                                     \
  X(CONV_2D_S8_ENTROPY, 157, Conv2DEntropyParams, conv2d_entropy_operand_sizes(p, s), ref,         \
    conv2d_s8_entropy)                                                                             \
  X(CONV_2D_S8_B1, 158, Conv2DParams, conv2d_b1_operand_sizes(p, s), ref, conv2d_s8_b1)            \
  X(CONV_2D_S8_B1_ARM_MVE, 159, Conv2DParams, conv2d_b1_helium_operand_sizes(p, s), arm_mve,       \
    conv2d_s8_b1)                                                                                  \
  X(CONV_2D_A1_B1, 160, Conv2DA1Params, conv2d_a1_operand_sizes(p, s), ref, conv2d_a1_b1)          \
  X(CONV_2D_A1_B1_ARM_DSP, 161, Conv2DA1Params, conv2d_a1_dsp_operand_sizes(p, s), arm_dsp,        \
    conv2d_a1_b1)                                                                                  \
  X(SIGNAL_WINDOW_S16, 162, SignalWindowParams, signal_window_operand_sizes(p, s), ref,            \
    signal_window_s16)                                                                             \
  X(SIGNAL_FFT_AUTO_SCALE_S16, 163, SignalFftAutoScaleParams,                                      \
    signal_fft_auto_scale_operand_sizes(p, s), ref, signal_fft_auto_scale_s16)                     \
  X(SIGNAL_RFFT_S16, 164, SignalRfftParams, signal_rfft_operand_sizes(p, s), ref, signal_rfft_s16) \
  X(SIGNAL_ENERGY_S16, 165, SignalEnergyParams, signal_energy_operand_sizes(p, s), ref,            \
    signal_energy_s16)                                                                             \
  X(SIGNAL_FILTER_BANK, 166, SignalFilterBankParams, signal_filter_bank_operand_sizes(p, s), ref,  \
    signal_filter_bank)                                                                            \
  X(SIGNAL_FILTER_BANK_SQUARE_ROOT, 167, SignalFilterBankSquareRootParams,                         \
    signal_filter_bank_square_root_operand_sizes(p, s), ref, signal_filter_bank_square_root)       \
  X(SIGNAL_SPECTRAL_SUBTRACTION, 168, SignalSpectralSubtractionParams,                             \
    signal_spectral_subtraction_operand_sizes(p, s), ref, signal_spectral_subtraction)             \
  X(SIGNAL_PCAN, 169, SignalPcanParams, signal_pcan_operand_sizes(p, s), ref, signal_pcan)         \
  X(SIGNAL_FILTER_BANK_LOG, 170, SignalFilterBankLogParams,                                        \
    signal_filter_bank_log_operand_sizes(p, s), ref, signal_filter_bank_log)                       \
  X(SIGNAL_FRAMER, 171, SignalFramerParams, signal_framer_operand_sizes(p, s), ref, signal_framer) \
  X(SIGNAL_STACKER, 172, SignalStackerParams, signal_stacker_operand_sizes(p, s), ref,             \
    signal_stacker)                                                                                \
  X(SIGNAL_RFFT_S16_ARM_DSP, 173, SignalRfftParams, signal_rfft_operand_sizes(p, s), arm_dsp,      \
    signal_rfft_s16)                                                                               \
  X(SIGNAL_RFFT_F32, 174, SignalRfftParams, signal_rfft_f32_operand_sizes(p, s), ref,              \
    signal_rfft_f32)                                                                               \
  X(SIGNAL_ENERGY_F32, 175, SignalEnergyParams, signal_energy_f32_operand_sizes(p, s), ref,        \
    signal_energy_f32)                                                                             \
  X(SIGNAL_FILTER_BANK_F32, 176, SignalFilterBankParams,                                           \
    signal_filter_bank_f32_operand_sizes(p, s), ref, signal_filter_bank_f32)                       \
  X(CONV_2D_S8_COMPACT_ARM_DSP, 177, PackedConv2DParams,                                           \
    packed_conv2d_operand_sizes(p, kArmDspConvCompactLayout, s), arm_dsp, conv2d_s8_compact)       \
  X(DEPTHWISE_CONV_2D_S8_COMPACT_ARM_DSP, 178, Conv2DParams,                                       \
    packed_depthwise_operand_sizes(p, arm_dsp_depthwise_compact_layout(p), s), arm_dsp,            \
    depthwise_conv2d_s8_compact)                                                                   \
  X(CONV_2D_S8_SPARSE_COMPACT_ARM_DSP, 179, Conv2DSparseParams,                                    \
    conv2d_sparse_variant_operand_sizes(p, s, sizeof(ArmDspCompactRequant)), arm_dsp,              \
    conv2d_s8_sparse_compact)

enum class OpCode : uint16_t {
#define KILN_OPCODE_ENUM(name, number, params, sizes, isa, kernel) name = number,
  KILN_OPCODES(KILN_OPCODE_ENUM)
#undef KILN_OPCODE_ENUM
};

enum class KernelIsa : uint8_t { ref, arm_dsp, arm_mve, x86_avx2 };

using KernelFn = void (*)(const void* params, const void* const* inputs, void* const* outputs);

// Every kernel's declaration: kiln::<instruction set>::<kernel>.
#define KILN_DECLARE_KERNEL(name, number, params, sizes, isa, kernel)               \
  namespace isa {                                                                   \
  void kernel(const void* params, const void* const* inputs, void* const* outputs); \
  }
KILN_OPCODES(KILN_DECLARE_KERNEL)
#undef KILN_DECLARE_KERNEL

struct KernelInfo {
  OpCode opcode;
  const char* name;  // null if a kernel selection left the kernel out
  KernelIsa isa;
  uint32_t params_size;
  bool (*operand_sizes)(const void* params, OperandSizes* sizes);  // null as kernel is
  // Null unless the kernel checks its constants' contents (kChecksConstants).
  bool (*constants_ok)(const void* params, const void* const* inputs);
  KernelFn kernel;  // null if this runtime was built without the instruction set
};

// The entry for an opcode number, or null if no such opcode exists.
const KernelInfo* find_kernel(uint32_t opcode);

// Whether this runtime, on this processor, can run kernels of an instruction set.
bool kernel_isa_available(KernelIsa isa);

// The entry for an opcode this runtime can run, or null.
const KernelInfo* find_runnable_kernel(uint32_t opcode);

}  // namespace kiln

#endif  // KILN_KERNELS_H
