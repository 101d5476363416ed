// TFLite Micro's audio front-end ops (kiln/ops/signal.h): CUSTOM operators
// named by their custom code, their options read from the flexbuffer map
// into OpAttrs::custom_options in the order each reader lists them.
#include <fmt/format.h>

#include "compiler/ops/op_util.h"
#include "kiln/ops/signal_streams.h"
#include "kiln/ops/signal_tables.h"

namespace kiln {
namespace {

// Reads the named options, in order, into custom_options.
template <size_t N>
void read_options(tflite_format::OperatorReader& r, const std::array<const char*, N>& keys) {
  r.attrs().custom_options.clear();
  for (const char* key : keys) r.attrs().custom_options.push_back(r.custom_int(key));
}

// Option i as an int32 in [lo, hi].
int32_t option(LowerContext& ctx, const ir::Op& op, size_t i, const char* name, int64_t lo,
               int64_t hi) {
  if (i >= op.attrs.custom_options.size()) ctx.invalid(op, fmt::format("lacks option {}", name));
  const int64_t v = op.attrs.custom_options[i];
  if (v < lo || v > hi) {
    ctx.unsupported(op, fmt::format("option {} = {} is outside [{}, {}]", name, v, lo, hi));
  }
  return static_cast<int32_t>(v);
}

void require_dtype(LowerContext& ctx, const ir::Op& op, const ir::Tensor& t, kiln_dtype dtype,
                   const char* role) {
  if (t.dtype != dtype) {
    ctx.unsupported(op, fmt::format("{} '{}' is {}; the kernel takes {}", role, t.name,
                                    ir::dtype_name(t.dtype), ir::dtype_name(dtype)));
  }
}

// The innermost dim of a tensor (1 for a scalar) and the count of rows of it.
int32_t innermost(const ir::Tensor& t) { return t.shape.empty() ? 1 : t.shape.back(); }
int32_t rows_of(const ir::Tensor& t) {
  const int32_t inner = innermost(t);
  return inner > 0 ? static_cast<int32_t>(t.elements() / inner) : 0;
}

void require_elements(LowerContext& ctx, const ir::Op& op, const ir::Tensor& t, int64_t n,
                      const char* role) {
  if (t.elements() != n) {
    ctx.invalid(op, fmt::format("{} '{}' has shape {}; {} elements expected", role, t.name,
                                ir::shape_string(t.shape), n));
  }
}

int add_int16_constant(LowerContext& ctx, const std::string& name, const std::vector<int16_t>& v) {
  std::vector<uint8_t> bytes(v.size() * sizeof(int16_t));
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return ctx.add_constant(name, KILN_DTYPE_INT16, {static_cast<int32_t>(v.size())},
                          std::move(bytes));
}

void read_window(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 1>{"shift"});
}

void lower_window(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& weights = ctx.input(op, 1);
  require_dtype(ctx, op, in, KILN_DTYPE_INT16, "input");
  require_dtype(ctx, op, weights, KILN_DTYPE_INT16, "weights");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_INT16, "output");
  SignalWindowParams p{rows_of(in), innermost(in), option(ctx, op, 0, "shift", 0, 31)};
  require_elements(ctx, op, weights, p.length, "weights");
  require_elements(ctx, op, ctx.output(op, 0), in.elements(), "output");
  ctx.emit(op, OpCode::SIGNAL_WINDOW_S16, p, {op.inputs[0], op.inputs[1]}, {op.outputs[0]});
}

void lower_fft_auto_scale(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  require_dtype(ctx, op, in, KILN_DTYPE_INT16, "input");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_INT16, "output");
  require_dtype(ctx, op, ctx.output(op, 1), KILN_DTYPE_INT32, "scale");
  require_elements(ctx, op, ctx.output(op, 0), in.elements(), "output");
  require_elements(ctx, op, ctx.output(op, 1), 1, "scale");
  const SignalFftAutoScaleParams p{static_cast<int32_t>(in.elements())};
  ctx.emit(op, OpCode::SIGNAL_FFT_AUTO_SCALE_S16, p, {op.inputs[0]},
           {op.outputs[0], op.outputs[1]});
}

void read_rfft(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 2>{"T", "fft_length"});
}

// The float FFT's tables as constants; the int16 one's are KISS's.
void lower_rfft_f32(LowerContext& ctx, const ir::Op& op, const SignalRfftParams& p) {
  require_dtype(ctx, op, ctx.input(op, 0), KILN_DTYPE_FLOAT32, "input");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_FLOAT32, "output");
  const std::string& base = ctx.output(op, 0).name;
  auto table = [&](const char* name, bool super) {
    const std::vector<float> v = signal_rfft_f32_twiddles(p.fft_length, super);
    std::vector<uint8_t> bytes(v.size() * sizeof(float));
    std::memcpy(bytes.data(), v.data(), bytes.size());
    return ctx.add_constant(base + name, KILN_DTYPE_FLOAT32, {static_cast<int32_t>(v.size())},
                            std::move(bytes));
  };
  const int twiddles = table("/twiddles", false);
  const int super_twiddles = table("/super_twiddles", true);
  const int scratch =
      ctx.add_scratch(base + "/transform", KILN_DTYPE_INT8, {signal_rfft_f32_scratch_bytes(p)});
  ctx.emit(op, OpCode::SIGNAL_RFFT_F32, p, {op.inputs[0], twiddles, super_twiddles},
           {op.outputs[0], scratch});
}

void lower_rfft(LowerContext& ctx, const ir::Op& op) {
  constexpr int64_t kTfliteFloat32 = 0, kTfliteInt16 = 7;  // TensorType
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  const int64_t type = op.attrs.custom_options.empty() ? -1 : op.attrs.custom_options[0];
  if (type != kTfliteInt16 && type != kTfliteFloat32) {
    ctx.unsupported(op,
                    "only the int16 and float32 real FFTs (T = INT16, FLOAT32) are implemented");
  }
  SignalRfftParams p{rows_of(in), innermost(in),
                     option(ctx, op, 1, "fft_length", 4, kMaxFftLength)};
  if (!signal_rfft_length_ok(p.fft_length)) {
    ctx.unsupported(op, fmt::format("fft_length {} is not a power of two", p.fft_length));
  }
  if (p.input_length > p.fft_length) {
    ctx.invalid(
        op, fmt::format("rows of {} samples exceed fft_length {}", p.input_length, p.fft_length));
  }
  require_elements(ctx, op, out, int64_t{p.rows} * (p.fft_length + 2), "output");
  if (type == kTfliteFloat32) {
    lower_rfft_f32(ctx, op, p);
    return;
  }
  require_dtype(ctx, op, in, KILN_DTYPE_INT16, "input");
  require_dtype(ctx, op, out, KILN_DTYPE_INT16, "output");
  const std::string& base = out.name;
  const int twiddles =
      add_int16_constant(ctx, base + "/twiddles", signal_rfft_twiddles(p.fft_length));
  const int super_twiddles =
      add_int16_constant(ctx, base + "/super_twiddles", signal_rfft_super_twiddles(p.fft_length));
  const int scratch =
      ctx.add_scratch(base + "/transform", KILN_DTYPE_INT8, {signal_rfft_scratch_bytes(p)});
  ctx.emit(op, choose_variant(ctx.target(), OpCode::SIGNAL_RFFT_S16, p), p,
           {op.inputs[0], twiddles, super_twiddles}, {op.outputs[0], scratch});
}

void read_energy(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 2>{"start_index", "end_index"});
}

void lower_energy(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  // int16 as TFLM's; float for kiln's float front-ends.
  const bool is_float = in.dtype == KILN_DTYPE_FLOAT32;
  if (!is_float) require_dtype(ctx, op, in, KILN_DTYPE_INT16, "spectrum");
  require_dtype(ctx, op, out, is_float ? KILN_DTYPE_FLOAT32 : KILN_DTYPE_UINT32, "output");
  if (innermost(in) % 2 != 0) ctx.invalid(op, "the spectrum's rows are not (re, im) pairs");
  SignalEnergyParams p{rows_of(in), innermost(in) / 2,
                       option(ctx, op, 0, "start_index", 0, kMaxDim),
                       option(ctx, op, 1, "end_index", 0, kMaxDim)};
  if (p.start_index > p.end_index || p.end_index > p.bins) {
    ctx.invalid(op, fmt::format("bins [{}, {}) are not within the spectrum's {}", p.start_index,
                                p.end_index, p.bins));
  }
  require_elements(ctx, op, out, int64_t{p.rows} * p.bins, "output");
  ctx.emit(op, is_float ? OpCode::SIGNAL_ENERGY_F32 : OpCode::SIGNAL_ENERGY_S16, p, {op.inputs[0]},
           {op.outputs[0]});
}

void read_filter_bank(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 1>{"num_channels"});
}

void lower_filter_bank(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& energy = ctx.input(op, 0);
  // uint32 energies as TFLM's, Q12 weights and uint64 sums; or float ones
  // throughout, for kiln's float front-ends.
  const bool is_float = energy.dtype == KILN_DTYPE_FLOAT32;
  if (!is_float) require_dtype(ctx, op, energy, KILN_DTYPE_UINT32, "energy");
  for (size_t i = 1; i < 6; ++i) {
    require_dtype(ctx, op, ctx.input(op, i),
                  is_float && i < 3 ? KILN_DTYPE_FLOAT32 : KILN_DTYPE_INT16, "table");
  }
  require_dtype(ctx, op, ctx.output(op, 0), is_float ? KILN_DTYPE_FLOAT32 : KILN_DTYPE_UINT64,
                "output");
  SignalFilterBankParams p{static_cast<int32_t>(energy.elements()),
                           option(ctx, op, 0, "num_channels", 1, kMaxSignalChannels),
                           static_cast<int32_t>(ctx.input(op, 1).elements())};
  require_elements(ctx, op, ctx.input(op, 2), p.num_weights, "unweights");
  for (size_t i = 3; i < 6; ++i)
    require_elements(ctx, op, ctx.input(op, i), p.num_channels + 1, "table");
  require_elements(ctx, op, ctx.output(op, 0), p.num_channels, "output");
  ctx.emit(op, is_float ? OpCode::SIGNAL_FILTER_BANK_F32 : OpCode::SIGNAL_FILTER_BANK, p, op.inputs,
           {op.outputs[0]});
}

void lower_square_root(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  require_dtype(ctx, op, in, KILN_DTYPE_UINT64, "input");
  require_dtype(ctx, op, ctx.input(op, 1), KILN_DTYPE_INT32, "scale bits");
  require_elements(ctx, op, ctx.input(op, 1), 1, "scale bits");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_UINT32, "output");
  require_elements(ctx, op, ctx.output(op, 0), in.elements(), "output");
  const SignalFilterBankSquareRootParams p{static_cast<int32_t>(in.elements())};
  ctx.emit(op, OpCode::SIGNAL_FILTER_BANK_SQUARE_ROOT, p, op.inputs, {op.outputs[0]});
}

void read_spectral_subtraction(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 9>{"num_channels", "smoothing", "one_minus_smoothing",
                                             "alternate_smoothing", "alternate_one_minus_smoothing",
                                             "smoothing_bits", "min_signal_remaining",
                                             "spectral_subtraction_bits", "clamping"});
}

// The noise estimate is state of kiln's own: TFLM keeps it inside the op,
// zeroed when the interpreter is made or reset, as kiln's state region is.
void lower_spectral_subtraction(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  require_dtype(ctx, op, in, KILN_DTYPE_UINT32, "input");
  for (size_t i = 0; i < 2; ++i) {
    require_dtype(ctx, op, ctx.output(op, i), KILN_DTYPE_UINT32, "output");
    require_elements(ctx, op, ctx.output(op, i), in.elements(), "output");
  }
  constexpr int64_t kMaxFraction = int64_t{1} << 30;
  SignalSpectralSubtractionParams p{};
  p.channels = option(ctx, op, 0, "num_channels", 1, kMaxSignalChannels);
  p.smoothing = option(ctx, op, 1, "smoothing", 0, kMaxFraction);
  p.one_minus_smoothing = option(ctx, op, 2, "one_minus_smoothing", 0, kMaxFraction);
  p.alternate_smoothing = option(ctx, op, 3, "alternate_smoothing", 0, kMaxFraction);
  p.alternate_one_minus_smoothing =
      option(ctx, op, 4, "alternate_one_minus_smoothing", 0, kMaxFraction);
  p.smoothing_bits = option(ctx, op, 5, "smoothing_bits", 0, 31);
  p.min_signal_remaining = option(ctx, op, 6, "min_signal_remaining", 0, kMaxFraction);
  p.spectral_subtraction_bits = option(ctx, op, 7, "spectral_subtraction_bits", 0, 63);
  p.clamping = option(ctx, op, 8, "clamping", 0, 1);
  require_elements(ctx, op, in, p.channels, "input");
  const int state =
      ctx.add_state(ctx.output(op, 1).name + "/state", KILN_DTYPE_UINT32, {p.channels});
  ctx.emit(op, OpCode::SIGNAL_SPECTRAL_SUBTRACTION, p, {op.inputs[0]},
           {op.outputs[0], op.outputs[1], state});
}

void read_pcan(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 1>{"snr_shift"});
}

void lower_pcan(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  require_dtype(ctx, op, in, KILN_DTYPE_UINT32, "signal");
  require_dtype(ctx, op, ctx.input(op, 1), KILN_DTYPE_UINT32, "noise estimate");
  require_dtype(ctx, op, ctx.input(op, 2), KILN_DTYPE_INT16, "gain table");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_UINT32, "output");
  require_elements(ctx, op, ctx.input(op, 1), in.elements(), "noise estimate");
  require_elements(ctx, op, ctx.input(op, 2), kSignalPcanLutSize, "gain table");
  require_elements(ctx, op, ctx.output(op, 0), in.elements(), "output");
  const SignalPcanParams p{static_cast<int32_t>(in.elements()),
                           option(ctx, op, 0, "snr_shift", 0, 63)};
  ctx.emit(op, OpCode::SIGNAL_PCAN, p, op.inputs, {op.outputs[0]});
}

void read_log(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 2>{"input_correction_bits", "output_scale"});
}

void lower_log(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  require_dtype(ctx, op, in, KILN_DTYPE_UINT32, "input");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_INT16, "output");
  require_elements(ctx, op, ctx.output(op, 0), in.elements(), "output");
  const SignalFilterBankLogParams p{static_cast<int32_t>(in.elements()),
                                    option(ctx, op, 0, "input_correction_bits", 0, 31),
                                    option(ctx, op, 1, "output_scale", 0, INT32_MAX)};
  ctx.emit(op, OpCode::SIGNAL_FILTER_BANK_LOG, p, {op.inputs[0]}, {op.outputs[0]});
}

void read_framer(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 3>{"frame_size", "frame_step", "prefill"});
}

// TFLM's framer takes any number of blocks per call; kiln's takes one, the
// way a stream arrives (a pipeline invokes once per block).
void lower_framer(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  require_dtype(ctx, op, in, KILN_DTYPE_INT16, "input");
  require_dtype(ctx, op, ctx.output(op, 0), KILN_DTYPE_INT16, "output");
  require_dtype(ctx, op, ctx.output(op, 1), KILN_DTYPE_BOOL, "valid");
  require_elements(ctx, op, ctx.output(op, 1), 1, "valid");
  SignalFramerParams p{rows_of(in), option(ctx, op, 0, "frame_size", 1, kMaxDim),
                       option(ctx, op, 1, "frame_step", 1, kMaxDim),
                       option(ctx, op, 2, "prefill", 0, 1)};
  if (p.frame_step > p.frame_size) {
    ctx.unsupported(op,
                    fmt::format("frame_step {} exceeds frame_size {}", p.frame_step, p.frame_size));
  }
  if (innermost(in) != p.frame_step) {
    ctx.unsupported(op, fmt::format("input '{}' has rows of {} samples; kiln frames one block of "
                                    "frame_step = {} per invocation",
                                    in.name, innermost(in), p.frame_step));
  }
  require_elements(ctx, op, ctx.output(op, 0), int64_t{p.rows} * p.frame_size, "output");
  const std::string& base = ctx.output(op, 0).name;
  const int fifo =
      ctx.add_state(base + "/fifo", KILN_DTYPE_INT16, {p.rows, p.frame_size + p.frame_step});
  const int fill = ctx.add_state(base + "/fill", KILN_DTYPE_INT32, {1});
  ctx.emit(op, OpCode::SIGNAL_FRAMER, p, {op.inputs[0]},
           {op.outputs[0], op.outputs[1], fifo, fill});
}

void read_stacker(tflite_format::OperatorReader& r) {
  read_options(r, std::array<const char*, 4>{"num_channels", "stacker_left_context",
                                             "stacker_right_context", "stacker_step"});
}

void lower_stacker(LowerContext& ctx, const ir::Op& op) {
  const ir::Tensor& in = ctx.input(op, 0);
  const ir::Tensor& out = ctx.output(op, 0);
  if (out.dtype != in.dtype) {
    ctx.invalid(op, fmt::format("output '{}' is {} but input '{}' is {}", out.name,
                                ir::dtype_name(out.dtype), in.name, ir::dtype_name(in.dtype)));
  }
  require_dtype(ctx, op, ctx.output(op, 1), KILN_DTYPE_BOOL, "valid");
  require_elements(ctx, op, ctx.output(op, 1), 1, "valid");
  SignalStackerParams p{option(ctx, op, 0, "num_channels", 1, kMaxDim),
                        option(ctx, op, 1, "stacker_left_context", 0, kMaxDim - 1),
                        option(ctx, op, 2, "stacker_right_context", 0, kMaxDim - 1),
                        option(ctx, op, 3, "stacker_step", 1, kMaxDim),
                        static_cast<int32_t>(kiln_dtype_size(in.dtype))};
  if (p.element_bytes != 1 && p.element_bytes != 2 && p.element_bytes != 4) {
    ctx.unsupported(op, fmt::format("input '{}' is {}; the stacker takes 1-, 2- or 4-byte values",
                                    in.name, ir::dtype_name(in.dtype)));
  }
  if (p.step > signal_stacker_frames(p)) {
    ctx.unsupported(op, fmt::format("stacker_step {} exceeds the window of {} frames", p.step,
                                    signal_stacker_frames(p)));
  }
  require_elements(ctx, op, in, p.channels, "input");
  require_elements(ctx, op, out, int64_t{signal_stacker_frames(p)} * p.channels, "output");
  const std::string& base = out.name;
  const int fifo = ctx.add_state(base + "/fifo", in.dtype, {signal_stacker_frames(p), p.channels});
  const int count = ctx.add_state(base + "/count", KILN_DTYPE_INT32, {1});
  ctx.emit(op, OpCode::SIGNAL_STACKER, p, {op.inputs[0]},
           {op.outputs[0], op.outputs[1], fifo, count});
}

// Every operand is data the op reads as it is.
constexpr OpTraits kSignalTraits = OpTraits().all_data();

}  // namespace

const OpRecord kSignalWindowRecord = {ir::OpKind::kSignalWindow, kSignalTraits,
                                      TfliteForm::custom("SignalWindow").reads(read_window),
                                      lower_window, nullptr};
const OpRecord kSignalFftAutoScaleRecord = {ir::OpKind::kSignalFftAutoScale, kSignalTraits,
                                            TfliteForm::custom("SignalFftAutoScale"),
                                            lower_fft_auto_scale, nullptr};
const OpRecord kSignalRfftRecord = {ir::OpKind::kSignalRfft, kSignalTraits,
                                    TfliteForm::custom("SignalRfft").reads(read_rfft), lower_rfft,
                                    nullptr};
const OpRecord kSignalEnergyRecord = {ir::OpKind::kSignalEnergy, kSignalTraits,
                                      TfliteForm::custom("SignalEnergy").reads(read_energy),
                                      lower_energy, nullptr};
const OpRecord kSignalFilterBankRecord = {
    ir::OpKind::kSignalFilterBank, kSignalTraits,
    TfliteForm::custom("SignalFilterBank").reads(read_filter_bank), lower_filter_bank, nullptr};
const OpRecord kSignalFilterBankSquareRootRecord = {
    ir::OpKind::kSignalFilterBankSquareRoot, kSignalTraits,
    TfliteForm::custom("SignalFilterBankSquareRoot"), lower_square_root, nullptr};
const OpRecord kSignalSpectralSubtractionRecord = {
    ir::OpKind::kSignalSpectralSubtraction, kSignalTraits,
    TfliteForm::custom("SignalFilterBankSpectralSubtraction").reads(read_spectral_subtraction),
    lower_spectral_subtraction, nullptr};
const OpRecord kSignalPcanRecord = {ir::OpKind::kSignalPcan, kSignalTraits,
                                    TfliteForm::custom("SignalPCAN").reads(read_pcan), lower_pcan,
                                    nullptr};
const OpRecord kSignalFilterBankLogRecord = {
    ir::OpKind::kSignalFilterBankLog, kSignalTraits,
    TfliteForm::custom("SignalFilterBankLog").reads(read_log), lower_log, nullptr};

const OpRecord kSignalFramerRecord = {ir::OpKind::kSignalFramer, kSignalTraits,
                                      TfliteForm::custom("SignalFramer").reads(read_framer),
                                      lower_framer, nullptr};
const OpRecord kSignalStackerRecord = {ir::OpKind::kSignalStacker, kSignalTraits,
                                       TfliteForm::custom("SignalStacker").reads(read_stacker),
                                       lower_stacker, nullptr};

}  // namespace kiln
