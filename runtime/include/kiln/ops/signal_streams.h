// The buffering ops of TensorFlow Lite Micro's `signal` library: the framer
// (a stream of sample blocks into overlapping frames) and the stacker (a
// stream of feature frames into windows of consecutive frames). Each keeps a
// FIFO in the state region and says with a bool whether this call produced
// an output; a program skips what follows with END_UNLESS when it did not.
#ifndef KILN_OPS_SIGNAL_STREAMS_H
#define KILN_OPS_SIGNAL_STREAMS_H

#include "kiln/ops/operand_sizes.h"

namespace kiln {

// SIGNAL_FRAMER. Operands: input int16 [rows, frame_step] (the next block
// of each row's stream); outputs frames int16 [rows, frame_size], valid bool
// [1], and two state operands: the FIFO int16 [rows, frame_size +
// frame_step] and its fill int32 [1]. A block is appended to each row's FIFO;
// once it holds frame_size samples, the oldest frame_size are the frame and
// frame_step of them are dropped. With prefill the FIFO starts with
// frame_size - frame_step zeros (its fill is stored relative to that).
struct SignalFramerParams {
  int32_t rows, frame_size, frame_step, prefill;
};

inline bool signal_framer_operand_sizes(const SignalFramerParams& p, OperandSizes* s) {
  if (!dim_ok(p.frame_size) || !dim_ok(p.frame_step) || p.frame_step > p.frame_size ||
      (p.prefill != 0 && p.prefill != 1)) {
    return false;
  }
  const int32_t in_dims[2] = {p.rows, p.frame_step};
  const int32_t out_dims[2] = {p.rows, p.frame_size};
  const int32_t fifo_dims[2] = {p.rows, p.frame_size + p.frame_step};
  s->inputs[0] = block_bytes(2, in_dims, 2);
  s->outputs[0] = block_bytes(2, out_dims, 2);
  s->outputs[1] = 1;
  s->outputs[2] = block_bytes(2, fifo_dims, 2);
  s->outputs[3] = 4;
  s->num_inputs = 1;
  s->num_outputs = 4;
  return s->inputs[0] != 0 && s->outputs[0] != 0 && s->outputs[2] != 0;
}

// SIGNAL_STACKER. Operands: input [channels] of 1-, 2- or 4-byte elements
// (TFLM's op is int16; kiln's also stacks int8 features); outputs window
// [left_context + 1 + right_context, channels], valid bool [1], and two
// state operands: the FIFO [window frames, channels] and a count int32 [1]
// (0 before the first frame, else the frames held + 1). The first frame goes
// in left_context + 1 times (left padding by repetition); once the FIFO holds
// a window, the window is its oldest frames and `step` of them are dropped.
struct SignalStackerParams {
  int32_t channels, left_context, right_context, step, element_bytes;
};

inline int32_t signal_stacker_frames(const SignalStackerParams& p) {
  return p.left_context + 1 + p.right_context;
}

inline bool signal_stacker_operand_sizes(const SignalStackerParams& p, OperandSizes* s) {
  if (p.left_context < 0 || p.right_context < 0 || p.left_context >= kMaxDim ||
      p.right_context >= kMaxDim || p.step < 1 || p.step > signal_stacker_frames(p) ||
      (p.element_bytes != 1 && p.element_bytes != 2 && p.element_bytes != 4)) {
    return false;
  }
  const uint32_t element = static_cast<uint32_t>(p.element_bytes);
  const int32_t dims[2] = {signal_stacker_frames(p), p.channels};
  s->inputs[0] = flat_bytes(element, p.channels);
  s->outputs[0] = s->outputs[2] = block_bytes(element, dims, 2);
  s->outputs[1] = 1;
  s->outputs[3] = 4;
  s->num_inputs = 1;
  s->num_outputs = 4;
  return s->inputs[0] != 0 && s->outputs[0] != 0;
}

}  // namespace kiln

#endif  // KILN_OPS_SIGNAL_STREAMS_H
