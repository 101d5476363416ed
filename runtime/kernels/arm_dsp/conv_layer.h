// An Arm DSP packed convolution layer through one of conv_pixels.S's
// routines, shared by the widened (conv2d.cc) and compact
// (conv2d_compact.cc) records.
#ifndef KILN_RUNTIME_KERNELS_ARM_DSP_CONV_LAYER_H
#define KILN_RUNTIME_KERNELS_ARM_DSP_CONV_LAYER_H

#include "kernels/arm_dsp/primitives.h"
#include "kernels/common/packed_conv.h"

namespace kiln {
namespace arm_dsp {

// The Conv struct of kernels::ConvLayer (packed_conv.h) for the Arm DSP
// records: the column widened once per pixel into SXTB16 pairs, each block's
// dot product by Dot (dot4_pairs on pre-widened weights, dot4_s8w on int8
// ones), Output's output stage.
template <typename Output, const PackedLayout& Layout,
          const uint32_t* (*Dot)(const uint32_t*, const uint32_t*, int32_t, int32_t*)>
struct WidenedColumnConv : Output {
  static constexpr PackedLayout kLayout = Layout;

  static const void* prepare_column(const int8_t* column, int32_t k_padded, void* widened) {
    widen_column(column, k_padded, static_cast<uint32_t*>(widened));
    return widened;
  }

  static void pixel(const typename Output::Stage& stage, const void* column, const uint8_t* records,
                    int32_t k_padded, int32_t out_c, int8_t* out) {
    kernels::pixel_by_blocks<WidenedColumnConv>(stage, column, records, k_padded, out_c, out);
  }

  static const uint8_t* dot_block(const void* column, const uint8_t* weights, int32_t k_padded,
                                  int32_t* acc) {
    return reinterpret_cast<const uint8_t*>(Dot(static_cast<const uint32_t*>(column),
                                                reinterpret_cast<const uint32_t*>(weights),
                                                k_padded / 4, acc));
  }
};

// The routine widens rows of whole words straight from the input and gathers
// other rows into the column scratch first (which a convolution that reads
// its input directly lacks, and needs not); `job` holds what the routine
// needs beyond the layer (rounding_base). A last partial block of channels
// goes through Conv's pixel_by_blocks. The layer's channels all requantize
// by multiply_smlal and it has a whole block.
template <typename Conv, typename Routine>
void conv_through_routine(const kernels::ConvLayer<Conv>& layer, ConvPixelsJob job,
                          Routine routine) {
  const Conv2DParams& p = layer.params();
  const int32_t blocks = p.out_c / kConvChannelBlock, k_padded = layer.k_padded();
  const int32_t row_bytes = p.k_w * p.in_c, tail = p.out_c - blocks * kConvChannelBlock;
  const bool word_rows = row_bytes % 4 == 0;
  const bool runs = tail == 0 && p.dilation_w == 1 &&
                    (word_rows ? p.k_h * row_bytes == k_padded : !layer.direct());
  job.records = layer.records();
  job.blocks = blocks;
  job.groups = k_padded / 4;
  job.lo4 = layer.stage().lo4;
  job.hi4 = layer.stage().hi4;
  job.widened = static_cast<uint32_t*>(layer.widened());
  const uint8_t* tail_records = layer.records() + blocks * layer.record_bytes();
  kernels::conv_by_pixel_runs(layer, job, runs, word_rows ? nullptr : layer.column_scratch(),
                              routine, [&](const ConvPixelsJob& j) {
                                if (tail > 0) {
                                  kernels::pixel_by_blocks<Conv>(
                                      layer.stage(), j.widened, tail_records, k_padded, tail,
                                      j.out + blocks * kConvChannelBlock);
                                }
                              });
}

}  // namespace arm_dsp
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_ARM_DSP_CONV_LAYER_H
