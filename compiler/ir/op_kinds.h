// Every op kind of the IR, in one list: X(kind, name, min_inputs, max_inputs,
// outputs). The name is TFLite's builtin where one exists; min_inputs are the
// operands an op cannot do without (never absent, -1), max_inputs -1 means
// any number. LOOP, BREAK_UNLESS (leaves the innermost loop unless its bool
// input is true) and END_LOOP (back to its LOOP) are a WHILE's control flow;
// END_UNLESS (the invocation ends there, its outputs unwritten, unless its
// bool input is true) gates the stages of a pipeline: these are the only ops
// without a TFLite builtin of their own; the Signal* kinds are
// TFLite Micro's audio front-end, CUSTOM operators named by their custom code. ir/graph.h makes the
// OpKind enum of it, ir::verify checks every op against its counts, and
// compiler/ops holds each kind's record.
#ifndef KILN_COMPILER_IR_OP_KINDS_H
#define KILN_COMPILER_IR_OP_KINDS_H

// One kind a line, in columns.
// clang-format off
#define KILN_OP_KINDS(X)                                        \
  X(kConv2D,            "CONV_2D",                  2,  3, 1)   \
  X(kDepthwiseConv2D,   "DEPTHWISE_CONV_2D",        2,  3, 1)   \
  X(kFullyConnected,    "FULLY_CONNECTED",          2,  3, 1)   \
  X(kAveragePool2D,     "AVERAGE_POOL_2D",          1,  1, 1)   \
  X(kMaxPool2D,         "MAX_POOL_2D",              1,  1, 1)   \
  X(kAdd,               "ADD",                      2,  2, 1)   \
  X(kMul,               "MUL",                      2,  2, 1)   \
  X(kReshape,           "RESHAPE",                  1,  2, 1)   \
  X(kSoftmax,           "SOFTMAX",                  1,  1, 1)   \
  X(kLogistic,          "LOGISTIC",                 1,  1, 1)   \
  X(kQuantize,          "QUANTIZE",                 1,  1, 1)   \
  X(kDequantize,        "DEQUANTIZE",               1,  1, 1)   \
  X(kPad,               "PAD",                      2,  3, 1)   \
  X(kMean,              "MEAN",                     2,  2, 1)   \
  X(kConcatenation,     "CONCATENATION",            1, -1, 1)   \
  X(kSub,               "SUB",                      2,  2, 1)   \
  X(kTranspose,         "TRANSPOSE",                1,  1, 1)   \
  X(kTransposeConv,     "TRANSPOSE_CONV",           2,  3, 1)   \
  X(kTanh,              "TANH",                     1,  1, 1)   \
  X(kClamp,             "CLAMP",                    1,  1, 1)   \
  X(kLeakyRelu,         "LEAKY_RELU",               1,  1, 1)   \
  X(kHardSwish,         "HARD_SWISH",               1,  1, 1)   \
  X(kSlice,             "SLICE",                    3,  3, 1)   \
  X(kStridedSlice,      "STRIDED_SLICE",            4,  4, 1)   \
  X(kReverse,           "REVERSE_V2",               2,  2, 1)   \
  X(kBroadcastTo,       "BROADCAST_TO",             2,  2, 1)   \
  X(kSplit,             "SPLIT",                    1,  1, -1)  \
  X(kSplitV,            "SPLIT_V",                  2,  2, -1)  \
  X(kUnpack,            "UNPACK",                   1,  1, -1)  \
  X(kPack,              "PACK",                     1, -1, 1)   \
  X(kDepthToSpace,      "DEPTH_TO_SPACE",           1,  1, 1)   \
  X(kSpaceToDepth,      "SPACE_TO_DEPTH",           1,  1, 1)   \
  X(kBatchToSpace,      "BATCH_TO_SPACE_ND",        3,  3, 1)   \
  X(kSpaceToBatch,      "SPACE_TO_BATCH_ND",        3,  3, 1)   \
  X(kFill,              "FILL",                     2,  2, 1)   \
  X(kZerosLike,         "ZEROS_LIKE",               1,  1, 1)   \
  X(kShape,             "SHAPE",                    1,  1, 1)   \
  X(kDiv,               "DIV",                      2,  2, 1)   \
  X(kMinimum,           "MINIMUM",                  2,  2, 1)   \
  X(kMaximum,           "MAXIMUM",                  2,  2, 1)   \
  X(kSquaredDifference, "SQUARED_DIFFERENCE",       2,  2, 1)   \
  X(kFloorDiv,          "FLOOR_DIV",                2,  2, 1)   \
  X(kFloorMod,          "FLOOR_MOD",                2,  2, 1)   \
  X(kLogicalAnd,        "LOGICAL_AND",              2,  2, 1)   \
  X(kLogicalOr,         "LOGICAL_OR",               2,  2, 1)   \
  X(kEqual,             "EQUAL",                    2,  2, 1)   \
  X(kNotEqual,          "NOT_EQUAL",                2,  2, 1)   \
  X(kLess,              "LESS",                     2,  2, 1)   \
  X(kLessEqual,         "LESS_EQUAL",               2,  2, 1)   \
  X(kGreater,           "GREATER",                  2,  2, 1)   \
  X(kGreaterEqual,      "GREATER_EQUAL",            2,  2, 1)   \
  X(kLogicalNot,        "LOGICAL_NOT",              1,  1, 1)   \
  X(kAbs,               "ABS",                      1,  1, 1)   \
  X(kNeg,               "NEG",                      1,  1, 1)   \
  X(kExp,               "EXP",                      1,  1, 1)   \
  X(kLog,               "LOG",                      1,  1, 1)   \
  X(kSqrt,              "SQRT",                     1,  1, 1)   \
  X(kRsqrt,             "RSQRT",                    1,  1, 1)   \
  X(kSquare,            "SQUARE",                   1,  1, 1)   \
  X(kFloor,             "FLOOR",                    1,  1, 1)   \
  X(kCeil,              "CEIL",                     1,  1, 1)   \
  X(kRound,             "ROUND",                    1,  1, 1)   \
  X(kSin,               "SIN",                      1,  1, 1)   \
  X(kCos,               "COS",                      1,  1, 1)   \
  X(kSelect,            "SELECT_V2",                3,  3, 1)   \
  X(kCast,              "CAST",                     1,  1, 1)   \
  X(kSum,               "SUM",                      2,  2, 1)   \
  X(kReduceMax,         "REDUCE_MAX",               2,  2, 1)   \
  X(kReduceMin,         "REDUCE_MIN",               2,  2, 1)   \
  X(kGather,            "GATHER",                   2,  2, 1)   \
  X(kGatherNd,          "GATHER_ND",                2,  2, 1)   \
  X(kEmbeddingLookup,   "EMBEDDING_LOOKUP",         2,  2, 1)   \
  X(kResizeNearest,     "RESIZE_NEAREST_NEIGHBOR",  2,  2, 1)   \
  X(kArgMax,            "ARG_MAX",                  2,  2, 1)   \
  X(kArgMin,            "ARG_MIN",                  2,  2, 1)   \
  X(kMirrorPad,         "MIRROR_PAD",               2,  2, 1)   \
  X(kPrelu,             "PRELU",                    2,  2, 1)   \
  X(kElu,               "ELU",                      1,  1, 1)   \
  X(kL2Pool2D,          "L2_POOL_2D",               1,  1, 1)   \
  X(kReduceAll,         "REDUCE_ALL",               2,  2, 1)   \
  X(kReduceAny,         "REDUCE_ANY",               2,  2, 1)   \
  X(kLogSoftmax,        "LOG_SOFTMAX",              1,  1, 1)   \
  X(kL2Normalization,   "L2_NORMALIZATION",         1,  1, 1)   \
  X(kResizeBilinear,    "RESIZE_BILINEAR",          2,  2, 1)   \
  X(kBatchMatMul,       "BATCH_MATMUL",             2,  2, 1)   \
  X(kAddN,              "ADD_N",                    1, -1, 1)   \
  X(kCumsum,            "CUMSUM",                   2,  2, 1)   \
  X(kDynamicUpdateSlice, "DYNAMIC_UPDATE_SLICE",    3,  3, 1)   \
  X(kBroadcastArgs,     "BROADCAST_ARGS",           2,  2, 1)   \
  X(kReadVariable,      "READ_VARIABLE",            1,  1, 1)   \
  X(kAssignVariable,    "ASSIGN_VARIABLE",          2,  2, 0)   \
  X(kSvdf,              "SVDF",                     3,  5, 1)   \
  X(kSequenceLstm,      "UNIDIRECTIONAL_SEQUENCE_LSTM", 1, 24, 1) \
  X(kGelu,              "GELU",                     1,  1, 1)   \
  X(kSignalWindow,      "SignalWindow",             2,  2, 1)   \
  X(kSignalFftAutoScale, "SignalFftAutoScale",      1,  1, 2)   \
  X(kSignalRfft,        "SignalRfft",               1,  1, 1)   \
  X(kSignalEnergy,      "SignalEnergy",             1,  1, 1)   \
  X(kSignalFilterBank,  "SignalFilterBank",         6,  6, 1)   \
  X(kSignalFilterBankSquareRoot, "SignalFilterBankSquareRoot", 2, 2, 1) \
  X(kSignalSpectralSubtraction, "SignalFilterBankSpectralSubtraction", 1, 1, 2) \
  X(kSignalPcan,        "SignalPCAN",               3,  3, 1)   \
  X(kSignalFilterBankLog, "SignalFilterBankLog",    1,  1, 1)   \
  X(kSignalFramer,      "SignalFramer",             1,  1, 2)   \
  X(kSignalStacker,     "SignalStacker",            1,  1, 2)   \
  X(kLoop,              "LOOP",                     0,  0, 0)   \
  X(kBreakUnless,       "BREAK_UNLESS",             1,  1, 0)   \
  X(kEndLoop,           "END_LOOP",                 0,  0, 0)   \
  X(kEndUnless,         "END_UNLESS",               1,  1, 0)
// clang-format on

#endif  // KILN_COMPILER_IR_OP_KINDS_H
