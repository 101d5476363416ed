// The loop nests of the packed (ISA-specific) convolutions, written once. An
// instruction set supplies only its inner loops, as a struct:
//
//   struct Conv {                     // packed CONV_2D
//     static constexpr PackedLayout kLayout;
//     // The column the dot products read (e.g. widened into `widened`).
//     static const void* prepare_column(const int8_t* column, int32_t k_padded, void* widened);
//     // Every channel of one output pixel from the column and the records.
//     static void pixel(const Stage& stage, const void* column, const uint8_t* records, int32_t
//     k_padded,
//                       int32_t out_c, int8_t* out);
//   };
//
// pixel_by_blocks implements a convolution's pixel one block at a time from
//
//     // acc[j] += column . filter row j, for the kConvChannelBlock rows of a
//     // block's weights; returns the end of the weights (the block's
//     // requantization entries).
//     static const uint8_t* dot_block(const void* column, const uint8_t* weights, int32_t k_padded,
//     int32_t* acc);
//
//   struct Depthwise {                // packed DEPTHWISE_CONV_2D
//     static constexpr PackedLayout kLayout;   // k_multiple = lanes
//     // Every channel of one output pixel.
//     static void pixel(const DepthwisePixel<Requant>& px, const Stage& stage);
//   };
//
// depthwise_pixel_by_groups implements pixel one group of lanes at a time
// from these members:
//
//     using Acc;                               // kLayout.k_multiple int32 lanes
//     static Acc load(const int32_t* bias);
//     // For `taps` taps along a row (input advancing by in_step bytes, the
//     // filter by one group of lanes): acc[l] += (input[l] + input_offset) * filter[l].
//     static void mac_row(Acc& acc, const int8_t* input, int32_t in_step, const void* filter,
//     int32_t taps,
//                         int32_t input_offset);
//     static void store(const Acc& acc, int32_t* lanes);
//
// Both also supply the output stage, or inherit PortableOutputStage's:
//
//     using Requant;  // an entry of the layout's requantization table
//     using Stage;    // what requantize needs, set up once per call
//     static Stage output_stage(const Conv2DParams& p, const RecordTable<Requant>& table, int32_t
//     channels);
//     // out[j] = requantized acc[j] (channel table[j]) for j < n.
//     static void requantize(const Stage& stage, const int32_t* acc, const Requant* table, int32_t
//     n, int8_t* out);
//
// An instruction set with routines of its own drives a call itself:
// ConvLayer and DepthwiseLayer hold what a call's pixels share, and
// conv_by_pixel_runs / depthwise3x3_by_pixel_runs hand its routines runs of
// pixels whose windows lie inside the input, the border pixels apart.
//
// Arithmetic is the reference's: int32 accumulators that wrap, the same
// per-channel requantization, so every variant is bit-exact with ref::.
#ifndef KILN_RUNTIME_KERNELS_COMMON_PACKED_CONV_H
#define KILN_RUNTIME_KERNELS_COMMON_PACKED_CONV_H

#include <stdint.h>
#include <string.h>

#include "kernels/common/conv_window.h"
#include "kiln/fixed_point.h"
#include "kiln/ops/packed_conv2d.h"

namespace kiln {
namespace kernels {

// The requantization entries of a packed filter's records, by channel.
template <typename Requant>
struct RecordTable {
  const uint8_t* first;  // channel 0's entry
  int32_t record_bytes, lanes;
  const Requant& operator[](int32_t c) const {
    return *reinterpret_cast<const Requant*>(first + (c / lanes) * record_bytes +
                                             (c % lanes) * int32_t{sizeof(Requant)});
  }
};

// The output stage of the portable kernels: fp::requantize_prepared per channel.
struct PortableOutputStage {
  using Requant = fp::PreparedRequant;
  struct Stage {
    int32_t offset, act_min, act_max;
  };
  static Stage output_stage(const Conv2DParams& p, const RecordTable<Requant>&, int32_t) {
    return {p.output_offset, p.act_min, p.act_max};
  }
  static void requantize(const Stage& s, const int32_t* acc, const Requant* table, int32_t n,
                         int8_t* out) {
    for (int32_t j = 0; j < n; ++j) {
      out[j] = static_cast<int8_t>(
          fp::requantize_prepared(acc[j], table[j], s.offset, s.act_min, s.act_max));
    }
  }
};

// memcpy and memset, inline for the few bytes of a first layer's filter row
// or tap (a word at a time: unaligned word accesses are single instructions
// on every target), where a call costs more than the copy.
constexpr int32_t kInlineCopyBytes = 16;
inline void copy_bytes(int8_t* dst, const int8_t* src, int32_t n) {
  if (n > kInlineCopyBytes) {
    memcpy(dst, src, static_cast<size_t>(n));
    return;
  }
  for (; n >= 4; n -= 4, dst += 4, src += 4) {
    uint32_t word;
    memcpy(&word, src, 4);
    memcpy(dst, &word, 4);
  }
  for (; n > 0; --n) *dst++ = *src++;
}
inline void fill_bytes(int8_t* dst, int8_t value, int32_t n) {
  if (n > kInlineCopyBytes) {
    memset(dst, value, static_cast<size_t>(n));
    return;
  }
  const uint32_t word = static_cast<uint8_t>(value) * 0x01010101u;
  for (; n >= 4; n -= 4, dst += 4) memcpy(dst, &word, 4);
  for (; n > 0; --n) *dst++ = value;
}

// Copies the receptive field of output pixel (b, out_y, out_x) into `column`
// in the filter's (y, x, in_c) order; taps outside the input hold the input
// zero point (so they add nothing once the folded bias is counted), and the
// tail up to k_padded holds zeros (its weights are zero).
// Out of line: called for border pixels only where a routine runs the rest,
// and inlined it would be copied into every caller.
__attribute__((noinline)) inline void gather_column(const Conv2DParams& p, const int8_t* input,
                                                    int32_t b, int32_t out_y, int32_t out_x,
                                                    int32_t k_padded, int8_t* column) {
  const int8_t zero_point = static_cast<int8_t>(-p.input_offset);
  const int32_t in_y_origin = out_y * p.stride_h - p.pad_h;
  const int32_t in_x_origin = out_x * p.stride_w - p.pad_w;
  const int32_t row_bytes = p.k_w * p.in_c;
  const bool row_contiguous =
      p.dilation_w == 1 && in_x_origin >= 0 && in_x_origin + p.k_w <= p.in_w;
  int8_t* dst = column;
  for (int32_t fy = 0; fy < p.k_h; ++fy, dst += row_bytes) {
    const int32_t in_y = in_y_origin + p.dilation_h * fy;
    if (in_y < 0 || in_y >= p.in_h) {
      fill_bytes(dst, zero_point, row_bytes);
      continue;
    }
    const int8_t* src_row = input + (static_cast<int32_t>(b * p.in_h + in_y) * p.in_w) * p.in_c;
    if (row_contiguous) {
      copy_bytes(dst, src_row + in_x_origin * p.in_c, row_bytes);
      continue;
    }
    for (int32_t fx = 0; fx < p.k_w; ++fx) {
      const int32_t in_x = in_x_origin + p.dilation_w * fx;
      int8_t* tap = dst + fx * p.in_c;
      if (in_x < 0 || in_x >= p.in_w) {
        fill_bytes(tap, zero_point, p.in_c);
      } else {
        copy_bytes(tap, src_row + in_x * p.in_c, p.in_c);
      }
    }
  }
  const int32_t k = p.k_h * row_bytes;
  fill_bytes(column + k, 0, k_padded - k);
}

template <typename Conv>
inline void pixel_by_blocks(const typename Conv::Stage& stage, const void* column,
                            const uint8_t* record, int32_t k_padded, int32_t out_c, int8_t* out) {
  using Requant = typename Conv::Requant;
  constexpr int32_t kRequantBytes = kConvChannelBlock * int32_t{sizeof(Requant)};
  for (int32_t left = out_c; left > 0; left -= kConvChannelBlock, out += kConvChannelBlock) {
    int32_t acc[kConvChannelBlock];
    memcpy(acc, record, sizeof(acc));
    const uint8_t* entries = Conv::dot_block(column, record + sizeof(acc), k_padded, acc);
    Conv::requantize(stage, acc, reinterpret_cast<const Requant*>(entries),
                     left < kConvChannelBlock ? left : kConvChannelBlock, out);
    record = entries + kRequantBytes;
  }
}

// One call of a packed convolution: what its pixels share, and each
// pixel's int8 column.
template <typename Conv>
class ConvLayer {
 public:
  using Requant = typename Conv::Requant;

  ConvLayer(const void* params, const void* const* inputs, void* const* outputs)
      : pp_(*static_cast<const PackedConv2DParams*>(params)),
        input_(static_cast<const int8_t*>(inputs[0])),
        records_(static_cast<const uint8_t*>(inputs[1])),
        output_(static_cast<int8_t*>(outputs[0])),
        widened_(outputs[1]),
        column_(static_cast<int8_t*>(outputs[1]) + packed_conv2d_widened_bytes(pp_, Conv::kLayout)),
        direct_(packed_conv2d_reads_input_directly(pp_)),
        stage_(output_stage(pp_, records_)) {}

  const Conv2DParams& params() const { return pp_.conv; }
  int32_t k_padded() const { return pp_.k_padded; }
  const typename Conv::Stage& stage() const { return stage_; }
  const int8_t* input() const { return input_; }
  const uint8_t* records() const { return records_; }
  int32_t record_bytes() const { return packed_conv2d_record_bytes(pp_, Conv::kLayout); }
  void* widened() const { return widened_; }
  // The int8 column's scratch (absent, and null, when direct()).
  int8_t* column_scratch() const { return direct_ ? nullptr : column_; }
  // Whether every pixel's column is the input itself (at column()).
  bool direct() const { return direct_; }
  int8_t* output(int32_t b, int32_t out_y, int32_t out_x) const {
    return output_ + output_index(pp_.conv, b, out_y, out_x, 0);
  }

  // Output pixel (b, out_y, out_x)'s receptive field in the filter's order:
  // the input itself for a direct convolution, else gathered into scratch.
  const int8_t* column(int32_t b, int32_t out_y, int32_t out_x) const {
    const Conv2DParams& p = pp_.conv;
    if (direct_)
      return input_ + ((b * p.in_h + out_y * p.stride_h) * p.in_w + out_x * p.stride_w) * p.in_c;
    gather_column(p, input_, b, out_y, out_x, pp_.k_padded, column_);
    return column_;
  }

 private:
  static typename Conv::Stage output_stage(const PackedConv2DParams& pp, const uint8_t* records) {
    const int32_t record_bytes = packed_conv2d_record_bytes(pp, Conv::kLayout);
    const int32_t requant_offset =
        record_bytes - kConvChannelBlock * requant_entry_bytes(Conv::kLayout);
    return Conv::output_stage(
        pp.conv, RecordTable<Requant>{records + requant_offset, record_bytes, kConvChannelBlock},
        pp.conv.out_c);
  }

  // Copies, not references into the params: int8 stores may alias them.
  const PackedConv2DParams pp_;
  const int8_t* input_;
  const uint8_t* records_;
  int8_t* output_;
  void* widened_;
  int8_t* column_;
  bool direct_;
  typename Conv::Stage stage_;
};

template <typename Conv>
void packed_conv2d_s8(const void* params, const void* const* inputs, void* const* outputs) {
  const ConvLayer<Conv> layer(params, inputs, outputs);
  const int32_t out_c = layer.params().out_c, k_padded = layer.k_padded();
  for_each_output_pixel(layer.params(), [&](int32_t b, int32_t out_y, int32_t out_x) {
    const void* prepared =
        Conv::prepare_column(layer.column(b, out_y, out_x), k_padded, layer.widened());
    Conv::pixel(layer.stage(), prepared, layer.records(), k_padded, out_c,
                layer.output(b, out_y, out_x));
  });
}

// The filter taps [begin, end) of one dimension that land inside the input,
// for a window starting at `origin`.
struct TapRange {
  int32_t begin, end;
};
inline TapRange valid_taps(int32_t origin, int32_t dilation, int32_t taps, int32_t size) {
  TapRange r{0, taps};
  while (r.begin < r.end && origin + dilation * r.begin < 0) ++r.begin;
  while (r.end > r.begin && origin + dilation * (r.end - 1) >= size) --r.end;
  return r;
}

// The output positions [begin, end) along one dimension whose window of
// `taps` taps lies inside the input.
inline TapRange window_inside(int32_t out_size, int32_t in_size, int32_t stride, int32_t pad,
                              int32_t dilation, int32_t taps) {
  const int32_t last_origin =
      in_size - 1 - (taps - 1) * dilation + pad;  // the largest origin + pad that fits
  if (last_origin < 0) return {0, 0};
  const int32_t begin = (pad + stride - 1) / stride;
  const int32_t end = last_origin / stride + 1;
  return {begin, end < out_size ? end : out_size};
}

// Every output pixel in NHWC order: for each output row inside `rows`, its
// pixels inside `cols` as one run(b, out_y, begin, end) call, the others
// (and every pixel of the other rows) as pixel(b, out_y, out_x) calls.
template <typename Pixel, typename Run>
inline void for_each_pixel_or_run(const Conv2DParams& p, TapRange rows, TapRange cols, Pixel pixel,
                                  Run run) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.out_h; ++out_y) {
      const bool runs = out_y >= rows.begin && out_y < rows.end && cols.end > cols.begin;
      const int32_t begin = runs ? cols.begin : p.out_w, end = runs ? cols.end : p.out_w;
      for (int32_t out_x = 0; out_x < begin; ++out_x) pixel(b, out_y, out_x);
      if (runs) run(b, out_y, begin, end);
      for (int32_t out_x = end; out_x < p.out_w; ++out_x) pixel(b, out_y, out_x);
    }
  }
}

// A packed convolution through an instruction set's pixel routine:
// routine(job) computes job.pixels output pixels' whole blocks, each pixel's
// column job.input + i * job.pixel_step or, with job.column set, its window's
// job.rows rows (job.row_bytes each, job.row_step apart) gathered there first.
// With `runs`, each output row's pixels whose windows lie inside the input
// (no horizontal dilation; a direct layer of stride 1: all its pixels) go in
// one call, rows read from the input and
// gathered into `gather` (null: the column is the input itself, rows = 1);
// every other pixel goes alone from layer.column() (rows = 1, row_bytes =
// k_padded), then tail(job) for its last partial block. `job` holds the
// layer's constants; Job names its fields as both routines' jobs do.
template <typename Conv, typename Job, typename Routine, typename Tail>
inline void conv_by_pixel_runs(const ConvLayer<Conv>& layer, Job job, bool runs, int8_t* gather,
                               Routine routine, Tail tail) {
  const Conv2DParams& p = layer.params();
  const TapRange none{0, 0};
  const TapRange ys =
      runs ? window_inside(p.out_h, p.in_h, p.stride_h, p.pad_h, p.dilation_h, p.k_h) : none;
  const TapRange xs = runs ? window_inside(p.out_w, p.in_w, p.stride_w, p.pad_w, 1, p.k_w) : none;
  const int32_t row_bytes = p.k_w * p.in_c, k = p.k_h * row_bytes;
  // Zero weights meet the column past k: any value would do, but a defined one.
  if (runs && gather) memset(gather + k, 0, static_cast<size_t>(layer.k_padded() - k));
  // A direct convolution (1x1, unpadded, its columns the input itself) of
  // stride 1: each pixel's column follows the one before it in the input,
  // and its output the one before it, across rows and images, so the whole
  // layer is one run.
  if (runs && layer.direct() && p.stride_h == 1 && p.stride_w == 1) {
    job.input = layer.input();
    job.out = layer.output(0, 0, 0);
    job.pixels = p.batches * p.out_h * p.out_w;  // fits: the output's size does
    job.pixel_step = p.in_c;
    job.rows = 1;
    job.row_bytes = row_bytes;
    job.row_step = p.in_w * p.in_c;
    job.column = nullptr;
    routine(job);
    return;
  }
  const auto one_pixel = [&](int32_t b, int32_t out_y, int32_t out_x) {
    job.input = layer.column(b, out_y, out_x);
    job.out = layer.output(b, out_y, out_x);
    job.pixels = 1;
    job.rows = 1;
    job.row_bytes = layer.k_padded();
    job.column = nullptr;
    routine(job);
    tail(job);
  };
  for_each_pixel_or_run(p, ys, xs, one_pixel,
                        [&](int32_t b, int32_t out_y, int32_t begin, int32_t end) {
                          job.input = layer.input() + window_origin_index(p, b, out_y, begin);
                          job.out = layer.output(b, out_y, begin);
                          job.pixels = end - begin;
                          job.pixel_step = p.stride_w * p.in_c;
                          job.rows = p.k_h;
                          job.row_bytes = row_bytes;
                          job.row_step = p.dilation_h * p.in_w * p.in_c;
                          job.column = gather;
                          routine(job);
                        });
}

// The in-bounds part of one output pixel's window, for one group of lanes.
struct Window {
  const int8_t* input;  // the first tap
  const uint8_t* filter;
  int32_t in_step, row_step, filter_row_bytes;
  int32_t rows, taps;
};

// One output pixel of a depthwise convolution: its window for the first
// group of lanes; group g reads g * lanes bytes further into the input and
// its own record, g * record_bytes further into the packed filter.
template <typename Requant>
struct DepthwisePixel {
  Window window;
  const uint8_t* record;  // group 0's record
  int32_t record_bytes, requant_offset;
  int32_t groups;
  int32_t input_offset;
  int8_t* out;

  const int32_t* bias(int32_t g) const {
    return reinterpret_cast<const int32_t*>(record + g * record_bytes);
  }
  const Requant* requant(int32_t g) const {
    return reinterpret_cast<const Requant*>(record + g * record_bytes + requant_offset);
  }
};

template <typename Depthwise>
inline void depthwise_pixel_by_groups(const DepthwisePixel<typename Depthwise::Requant>& px,
                                      const typename Depthwise::Stage& stage) {
  constexpr int32_t kLanes = Depthwise::kLayout.k_multiple;
  Window w = px.window;
  for (int32_t g = 0; g < px.groups; ++g, w.input += kLanes, w.filter += px.record_bytes) {
    typename Depthwise::Acc acc = Depthwise::load(px.bias(g));
    const int8_t* in = w.input;
    const uint8_t* filter = w.filter;
    for (int32_t r = 0; r < w.rows; ++r, in += w.row_step, filter += w.filter_row_bytes) {
      Depthwise::mac_row(acc, in, w.in_step, filter, w.taps, px.input_offset);
    }
    int32_t lanes[kLanes];
    Depthwise::store(acc, lanes);
    Depthwise::requantize(stage, lanes, px.requant(g), kLanes, px.out + g * kLanes);
  }
}

// One call of a packed depthwise convolution: what its pixels share, and
// each pixel's window.
template <typename Depthwise>
class DepthwiseLayer {
 public:
  using Requant = typename Depthwise::Requant;
  static constexpr int32_t kLanes = Depthwise::kLayout.k_multiple;
  static constexpr int32_t kRecordLanes = packed_record_lanes(Depthwise::kLayout);

  DepthwiseLayer(const void* params, const void* const* inputs, void* const* outputs)
      : p_(*static_cast<const Conv2DParams*>(params)),
        input_(static_cast<const int8_t*>(inputs[0])),
        records_(static_cast<const uint8_t*>(inputs[1])),
        output_(static_cast<int8_t*>(outputs[0])),
        record_bytes_(packed_depthwise_record_bytes(p_, Depthwise::kLayout)),
        requant_offset_(record_bytes_ - kRecordLanes * requant_entry_bytes(Depthwise::kLayout)),
        stage_(Depthwise::output_stage(
            p_, RecordTable<Requant>{records_ + requant_offset_, record_bytes_, kLanes}, p_.in_c)) {
  }

  const Conv2DParams& params() const { return p_; }
  const typename Depthwise::Stage& stage() const { return stage_; }
  const int8_t* input() const { return input_; }
  const uint8_t* records() const { return records_; }
  int32_t record_bytes() const { return record_bytes_; }
  int8_t* output(int32_t b, int32_t out_y, int32_t out_x) const {
    return output_ + output_index(p_, b, out_y, out_x, 0);
  }

  // Every channel of output pixel (b, out_y, out_x).
  void pixel(int32_t b, int32_t out_y, int32_t out_x) const {
    const Conv2DParams& p = p_;
    constexpr int32_t weight_bytes = static_cast<int32_t>(Depthwise::kLayout.weight_bytes);
    const int32_t channels = p.in_c;
    const int32_t in_y0 = out_y * p.stride_h - p.pad_h, in_x0 = out_x * p.stride_w - p.pad_w;
    const TapRange ys = valid_taps(in_y0, p.dilation_h, p.k_h, p.in_h);
    const TapRange xs = valid_taps(in_x0, p.dilation_w, p.k_w, p.in_w);
    // May be negative (a padded corner): only in-bounds taps become pointers.
    const int32_t in_px = ((b * p.in_h + in_y0) * p.in_w + in_x0) * channels;
    const int32_t in_step_x = p.dilation_w * channels, in_step_y = p.dilation_h * p.in_w * channels;
    DepthwisePixel<Requant> px;
    px.window.in_step = in_step_x;
    px.window.row_step = in_step_y;
    px.window.filter_row_bytes = p.k_w * kRecordLanes * weight_bytes;
    px.window.rows = ys.end - ys.begin;
    px.window.taps = xs.end - xs.begin;
    px.window.input = input_ + (in_px + ys.begin * in_step_y + xs.begin * in_step_x);
    px.window.filter = records_ + kRecordLanes * sizeof(int32_t) +
                       (ys.begin * p.k_w + xs.begin) * kRecordLanes * weight_bytes;
    px.record = records_;
    px.record_bytes = record_bytes_;
    px.requant_offset = requant_offset_;
    px.groups = channels / kLanes;
    px.input_offset = p.input_offset;
    px.out = output(b, out_y, out_x);
    Depthwise::pixel(px, stage_);
  }

 private:
  // Copies, not references into the params: int8 stores may alias them.
  const Conv2DParams p_;
  const int8_t* input_;
  const uint8_t* records_;
  int8_t* output_;
  int32_t record_bytes_, requant_offset_;
  typename Depthwise::Stage stage_;
};

// A 3x3 depthwise convolution through an instruction set's routines: each
// output row's pixels whose windows lie inside the input as one run(job)
// call (job.input, out and pixels set; `job` holds the rest), the others
// through layer.pixel.
template <typename Depthwise, typename Job, typename Run>
inline void depthwise3x3_by_pixel_runs(const DepthwiseLayer<Depthwise>& layer, Job job, Run run) {
  const Conv2DParams& p = layer.params();
  const TapRange rows = window_inside(p.out_h, p.in_h, p.stride_h, p.pad_h, p.dilation_h, 3);
  const TapRange cols = window_inside(p.out_w, p.in_w, p.stride_w, p.pad_w, p.dilation_w, 3);
  job.pixel_step = p.stride_w * p.in_c;
  for_each_pixel_or_run(
      p, rows, cols, [&](int32_t b, int32_t out_y, int32_t out_x) { layer.pixel(b, out_y, out_x); },
      [&](int32_t b, int32_t out_y, int32_t begin, int32_t end) {
        job.input = layer.input() + window_origin_index(p, b, out_y, begin);
        job.out = layer.output(b, out_y, begin);
        job.pixels = end - begin;
        run(job);
      });
}

template <typename Depthwise>
void packed_depthwise_conv2d_s8(const void* params, const void* const* inputs,
                                void* const* outputs) {
  const DepthwiseLayer<Depthwise> layer(params, inputs, outputs);
  for_each_output_pixel(layer.params(), [&](int32_t b, int32_t out_y, int32_t out_x) {
    layer.pixel(b, out_y, out_x);
  });
}

}  // namespace kernels
}  // namespace kiln

#endif  // KILN_RUNTIME_KERNELS_COMMON_PACKED_CONV_H
