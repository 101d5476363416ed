// The framer and the stacker (kiln/ops/signal_streams.h): FIFOs in the state
// region, shifted down after each output. A shift moves less than the output
// copy does, and keeps every frame contiguous for the copy.
#include "kiln/ops/signal_streams.h"

#include <string.h>

namespace kiln {
namespace ref {

void signal_framer(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalFramerParams& p = *static_cast<const SignalFramerParams*>(params);
  const int16_t* in = static_cast<const int16_t*>(inputs[0]);
  int16_t* frames = static_cast<int16_t*>(outputs[0]);
  uint8_t* valid = static_cast<uint8_t*>(outputs[1]);
  int16_t* fifo = static_cast<int16_t*>(outputs[2]);
  int32_t* stored_fill = static_cast<int32_t*>(outputs[3]);
  const int32_t capacity = p.frame_size + p.frame_step;
  const int32_t base = p.prefill ? p.frame_size - p.frame_step : 0;
  // Between calls the FIFO holds fewer than frame_size samples; state bytes
  // that say otherwise (written by the caller) restart it.
  const int32_t stored = *stored_fill;
  int32_t fill = stored >= 0 && stored < p.frame_size - base ? base + stored : base;
  for (int32_t r = 0; r < p.rows; ++r) {
    memcpy(fifo + r * capacity + fill, in + r * p.frame_step,
           static_cast<size_t>(p.frame_step) * sizeof(int16_t));
  }
  fill += p.frame_step;
  *valid = fill >= p.frame_size ? 1 : 0;
  if (*valid) {
    for (int32_t r = 0; r < p.rows; ++r) {
      int16_t* row = fifo + r * capacity;
      memcpy(frames + r * p.frame_size, row, static_cast<size_t>(p.frame_size) * sizeof(int16_t));
      memmove(row, row + p.frame_step, static_cast<size_t>(fill - p.frame_step) * sizeof(int16_t));
    }
    fill -= p.frame_step;
  }
  *stored_fill = fill - base;
}

void signal_stacker(const void* params, const void* const* inputs, void* const* outputs) {
  const SignalStackerParams& p = *static_cast<const SignalStackerParams*>(params);
  const uint8_t* in = static_cast<const uint8_t*>(inputs[0]);
  uint8_t* window = static_cast<uint8_t*>(outputs[0]);
  uint8_t* valid = static_cast<uint8_t*>(outputs[1]);
  uint8_t* fifo = static_cast<uint8_t*>(outputs[2]);
  int32_t* count = static_cast<int32_t*>(outputs[3]);
  const int32_t frames = signal_stacker_frames(p);
  const size_t frame_bytes = static_cast<size_t>(p.channels) * static_cast<size_t>(p.element_bytes);
  // Between calls the FIFO holds fewer than a window of frames; a count
  // that says otherwise (written by the caller) starts over.
  const int32_t stored = *count;
  int32_t held = stored >= 1 && stored <= frames ? stored - 1 : -1;
  if (held < 0) {
    held = 0;
    for (int32_t i = 0; i < p.left_context; ++i)
      memcpy(fifo + held++ * frame_bytes, in, frame_bytes);
  }
  memcpy(fifo + static_cast<size_t>(held++) * frame_bytes, in, frame_bytes);
  *valid = held >= frames ? 1 : 0;
  if (*valid) {
    memcpy(window, fifo, static_cast<size_t>(frames) * frame_bytes);
    held -= p.step;
    memmove(fifo, fifo + static_cast<size_t>(p.step) * frame_bytes,
            static_cast<size_t>(held) * frame_bytes);
  }
  *count = held + 1;
}

}  // namespace ref
}  // namespace kiln
