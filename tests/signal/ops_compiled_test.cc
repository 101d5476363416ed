// Every record of TFLM's signal test files through the whole of kiln: each op
// a graph node with its custom options, lowered, planned, written to a blob
// and run by the runtime on the host and, under --kiln-device, on that
// emulated core. Stateless ops run a chunk of records per invocation (an op
// instance per record, the outputs concatenated); stateful ones one record
// per invocation with the state carried over, as TFLM's tests feed one op
// instance a whole file.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kiln/ops/signal.h"
#include "tests/signal/testdata.h"
#include "tests/support/run_graph.h"

namespace kiln {
namespace {

using test::bytes_of;
using test::json;
using test::json_values;
using test::load_json;
using test::records;
using test::values;

struct Operand {
  kiln_dtype dtype;
  std::vector<int32_t> shape;
};

// One record: the bytes of each input the record gives, and of each output
// it states (empty: not compared this time).
struct Record {
  std::vector<std::vector<uint8_t>> inputs, expected;
};

// An op as a test file uses it. Inputs with `tables` bytes are constants
// shared by every record; the others come from the records, in order.
struct Case {
  Case(std::string n, ir::OpKind k, std::vector<int64_t> o, std::vector<Operand> in)
      : name(std::move(n)),
        kind(k),
        options(std::move(o)),
        inputs(std::move(in)),
        tables(inputs.size()) {}

  std::string name;
  ir::OpKind kind;
  std::vector<int64_t> options;
  std::vector<Operand> inputs;
  std::vector<std::vector<uint8_t>> tables;  // per input; empty for a record's input
  std::vector<Operand> outputs;
  bool stateful = false;
  std::vector<Record> records;
};

template <typename T>
std::vector<uint8_t> line(const std::string& text) {
  return bytes_of(values<T>(text));
}

// The op of `c` for each of `chunk` (constants) or one graph input per
// record operand (stateful); compared outputs concatenated per output.
ir::Graph graph_of(const Case& c, const std::vector<const Record*>& chunk) {
  ir::GraphBuilder b;
  std::vector<int> tables(c.inputs.size(), -1);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.tables[i].empty()) continue;
    tables[i] = b.constant(c.name + "/table" + std::to_string(i), c.inputs[i].dtype,
                           c.inputs[i].shape, c.tables[i]);
  }
  std::vector<std::vector<int>> outs(c.outputs.size());
  for (size_t r = 0; r < chunk.size(); ++r) {
    std::vector<int> ins;
    size_t from_record = 0;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      if (tables[i] >= 0) {
        ins.push_back(tables[i]);
        continue;
      }
      const std::string name = c.name + "/r" + std::to_string(r) + "/in" + std::to_string(i);
      ins.push_back(c.stateful ? b.input(name, c.inputs[i].dtype, c.inputs[i].shape)
                               : b.constant(name, c.inputs[i].dtype, c.inputs[i].shape,
                                            chunk[r]->inputs[from_record]));
      ++from_record;
    }
    std::vector<int> op_outs;
    for (size_t o = 0; o < c.outputs.size(); ++o) {
      op_outs.push_back(b.tensor(c.name + "/r" + std::to_string(r) + "/out" + std::to_string(o),
                                 c.outputs[o].dtype, c.outputs[o].shape));
      outs[o].push_back(op_outs.back());
    }
    ir::Op& op = b.op(c.kind, ins, op_outs);
    op.attrs.custom_options = c.options;
  }
  for (size_t o = 0; o < c.outputs.size(); ++o) {
    if (c.stateful) {
      b.output(outs[o][0]);
      continue;
    }
    std::vector<int32_t> shape = c.outputs[o].shape;
    shape[0] *= static_cast<int32_t>(chunk.size());
    const int all = b.tensor(c.name + "/out" + std::to_string(o), c.outputs[o].dtype, shape);
    b.op(ir::OpKind::kConcatenation, outs[o], {all}).attrs.axis = 0;
    b.output(all);
  }
  return b.build();
}

// For `target`'s kernels: the reference, or a variant (the Arm DSP RFFT).
CompiledModel compile(const ir::Graph& g, const std::string& target) {
  CompileOptions options;
  options.target = target;
  options.optimize = false;  // constant folding would run the ops on the compiling host
  return compile_graph(g, options);
}

using MakeRunner = std::function<std::unique_ptr<Runner>(const CompiledModel&)>;

// Runs every record of `c`, compiled for `target`, on `make_runner`'s
// runtime; returns how many gave every stated output byte for byte.
size_t matched_records(const Case& c, const std::string& target, const MakeRunner& make_runner,
                       size_t chunk_records) {
  size_t matched = 0;
  auto check = [&](const Record& r, size_t index, const std::vector<std::vector<uint8_t>>& got) {
    bool all = true;
    for (size_t o = 0; o < c.outputs.size(); ++o) {
      if (r.expected[o].empty()) continue;
      const std::vector<uint8_t> g =
          got[o].size() == r.expected[o].size() ? got[o] : std::vector<uint8_t>();
      EXPECT_EQ(g, r.expected[o]) << c.name << " record " << index << " output " << o;
      all = all && g == r.expected[o];
    }
    matched += all;
  };
  if (c.stateful) {
    std::vector<const Record*> one = {&c.records[0]};
    const CompiledModel m = compile(graph_of(c, one), target);
    std::unique_ptr<Runner> runner = make_runner(m);
    for (size_t i = 0; i < c.records.size(); ++i) {
      const std::vector<std::vector<uint8_t>> out = test::run_once(*runner, c.records[i].inputs);
      check(c.records[i], i, out);
    }
    return matched;
  }
  for (size_t first = 0; first < c.records.size(); first += chunk_records) {
    std::vector<const Record*> chunk;
    for (size_t i = first; i < std::min(c.records.size(), first + chunk_records); ++i)
      chunk.push_back(&c.records[i]);
    const CompiledModel m = compile(graph_of(c, chunk), target);
    std::unique_ptr<Runner> runner = make_runner(m);
    const std::vector<std::vector<uint8_t>> all = test::run_once(*runner, {});
    for (size_t i = 0; i < chunk.size(); ++i) {
      std::vector<std::vector<uint8_t>> got;
      for (size_t o = 0; o < c.outputs.size(); ++o) {
        const size_t n = all[o].size() / chunk.size();
        got.emplace_back(all[o].begin() + static_cast<long>(i * n),
                         all[o].begin() + static_cast<long>((i + 1) * n));
      }
      check(*chunk[i], first + i, got);
    }
  }
  return matched;
}

// The test files, each as the op it tests. Energy's file states bins outside
// [start, end) as whatever TFLM's buffer held; kiln writes 0 there.
std::vector<Case> cases() {
  std::vector<Case> all;
  {
    Case c("window", ir::OpKind::kSignalWindow, {12},
           {{KILN_DTYPE_INT16, {1, 400}}, {KILN_DTYPE_INT16, {400}}});
    c.tables = {
        {}, bytes_of(json_values<int16_t>(load_json("window_hann_400_shift12.json")["weights"]))};
    c.outputs = {{KILN_DTYPE_INT16, {1, 400}}};
    for (const auto& r : records(test::read_test_file("window_test1.txt", true), 2, 183))
      c.records.push_back({{line<int16_t>(r[0])}, {line<int16_t>(r[1])}});
    all.push_back(std::move(c));
  }
  {
    Case c("fft_auto_scale", ir::OpKind::kSignalFftAutoScale, {}, {{KILN_DTYPE_INT16, {1, 400}}});
    c.outputs = {{KILN_DTYPE_INT16, {1, 400}}, {KILN_DTYPE_INT32, {1, 1}}};
    for (const auto& r : records(test::read_test_file("fft_auto_scale_test1.txt", false), 3, 182))
      c.records.push_back({{line<int16_t>(r[0])}, {line<int16_t>(r[1]), line<int32_t>(r[2])}});
    all.push_back(std::move(c));
  }
  {
    Case c("rfft", ir::OpKind::kSignalRfft, {7, 512}, {{KILN_DTYPE_INT16, {1, 400}}});
    c.outputs = {{KILN_DTYPE_INT16, {1, 514}}};
    for (const auto& r : records(test::read_test_file("rfft_test1.txt", true), 2, 183))
      c.records.push_back({{line<int16_t>(r[0])}, {line<int16_t>(r[1])}});
    all.push_back(std::move(c));
  }
  {
    Case c("energy", ir::OpKind::kSignalEnergy, {5, 122}, {{KILN_DTYPE_INT16, {1, 514}}});
    c.outputs = {{KILN_DTYPE_UINT32, {1, 257}}};
    for (const auto& r : records(test::read_test_file("energy_test1.txt", true), 2, 183)) {
      std::vector<uint32_t> want = values<uint32_t>(r[1]);
      for (size_t i = 0; i < want.size(); ++i)
        if (i < 5 || i >= 122) want[i] = 0;  // kiln writes 0 outside [start, end)
      c.records.push_back({{line<int16_t>(r[0])}, {bytes_of(want)}});
    }
    all.push_back(std::move(c));
  }
  auto filter_bank = [](const std::string& name, const json& j, int32_t spectrum,
                        int32_t channels) {
    Case c(name, ir::OpKind::kSignalFilterBank, {channels}, {{KILN_DTYPE_UINT32, {1, spectrum}}});
    for (const char* key : {"weights", "unweights", "channel_frequency_starts",
                            "channel_weight_starts", "channel_widths"}) {
      const std::vector<int16_t> v = json_values<int16_t>(j[key]);
      c.inputs.push_back({KILN_DTYPE_INT16, {static_cast<int32_t>(v.size())}});
      c.tables.push_back(bytes_of(v));
    }
    c.outputs = {{KILN_DTYPE_UINT64, {1, channels}}};
    return c;
  };
  {
    Case c = filter_bank("filter_bank", load_json("filter_bank_test1_tables.json"), 257, 32);
    for (const auto& r : records(test::read_test_file("filter_bank_test1.txt", true), 2, 183))
      c.records.push_back({{line<uint32_t>(r[0])}, {line<uint64_t>(r[1])}});
    all.push_back(std::move(c));
  }
  for (const char* rate : {"8k", "16k", "44k"}) {
    const std::string base = std::string("filter_bank_accumulation_") + rate;
    const json j = load_json(base + "_tables.json");
    const int32_t spectrum = j["spectrum_size"].get<int32_t>();
    Case c = filter_bank(base, j, spectrum, 25);
    std::vector<uint32_t> ramp(static_cast<size_t>(spectrum));
    for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<uint32_t>(i);
    std::vector<uint64_t> want;
    for (const auto& r : records(test::read_test_file(base + ".txt", true), 1, 25))
      want.push_back(values<uint64_t>(r[0]).at(0));
    c.records.push_back({{bytes_of(ramp)}, {bytes_of(want)}});
    all.push_back(std::move(c));
  }
  {
    Case c("filter_bank_square_root", ir::OpKind::kSignalFilterBankSquareRoot, {},
           {{KILN_DTYPE_UINT64, {1, 32}}, {KILN_DTYPE_INT32, {1}}});
    c.outputs = {{KILN_DTYPE_UINT32, {1, 32}}};
    for (const auto& r :
         records(test::read_test_file("filter_bank_square_root_test1.txt", false), 3, 183))
      c.records.push_back({{line<uint64_t>(r[0]), line<int32_t>(r[1])}, {line<uint32_t>(r[2])}});
    all.push_back(std::move(c));
  }
  {
    const json j = load_json("filter_bank_spectral_subtraction_test1_params.json");
    std::vector<int64_t> options;
    for (const char* key : {"num_channels", "smoothing", "one_minus_smoothing",
                            "alternate_smoothing", "alternate_one_minus_smoothing",
                            "smoothing_bits", "min_signal_remaining", "spectral_subtraction_bits"})
      options.push_back(j[key].get<int64_t>());
    options.push_back(j["clamping"].get<bool>() ? 1 : 0);
    Case c("spectral_subtraction", ir::OpKind::kSignalSpectralSubtraction, options,
           {{KILN_DTYPE_UINT32, {32}}});
    c.outputs = {{KILN_DTYPE_UINT32, {32}}, {KILN_DTYPE_UINT32, {32}}};
    c.stateful = true;
    for (const auto& r :
         records(test::read_test_file("filter_bank_spectral_subtraction_test1.txt", true), 3, 183))
      c.records.push_back({{line<uint32_t>(r[0])}, {line<uint32_t>(r[1]), line<uint32_t>(r[2])}});
    all.push_back(std::move(c));
  }
  {
    const json j = load_json("pcan_op_test1_gain_lut.json");
    Case c("pcan", ir::OpKind::kSignalPcan, {j["snr_shift"].get<int64_t>()},
           {{KILN_DTYPE_UINT32, {1, 40}},
            {KILN_DTYPE_UINT32, {1, 40}},
            {KILN_DTYPE_INT16, {kSignalPcanLutSize}}});
    c.tables = {{}, {}, bytes_of(json_values<int16_t>(j["gain_lut"]))};
    c.outputs = {{KILN_DTYPE_UINT32, {1, 40}}};
    for (const auto& r : records(test::read_test_file("pcan_op_test1.txt", true), 3, 449))
      c.records.push_back({{line<uint32_t>(r[0]), line<uint32_t>(r[1])}, {line<uint32_t>(r[2])}});
    all.push_back(std::move(c));
  }
  {
    Case c("framer", ir::OpKind::kSignalFramer, {400, 160, 0}, {{KILN_DTYPE_INT16, {1, 160}}});
    c.outputs = {{KILN_DTYPE_INT16, {1, 400}}, {KILN_DTYPE_BOOL, {1}}};
    c.stateful = true;
    for (const auto& r : records(test::read_test_file("framer_test1.txt", true), 3, 185)) {
      const std::vector<uint8_t> valid = {static_cast<uint8_t>(values<int32_t>(r[2]).at(0))};
      c.records.push_back({{line<int16_t>(r[0])},
                           {valid[0] ? line<int16_t>(r[1]) : std::vector<uint8_t>(), valid}});
    }
    all.push_back(std::move(c));
  }
  {
    Case c("stacker", ir::OpKind::kSignalStacker, {32, 1, 1, 2}, {{KILN_DTYPE_INT16, {32}}});
    c.outputs = {{KILN_DTYPE_INT16, {96}}, {KILN_DTYPE_BOOL, {1}}};
    c.stateful = true;
    for (const auto& r : records(test::read_test_file("stacker_test1.txt", true), 3, 12)) {
      const std::vector<uint8_t> valid = {static_cast<uint8_t>(values<int32_t>(r[2]).at(0))};
      c.records.push_back({{line<int16_t>(r[0])},
                           {valid[0] ? line<int16_t>(r[1]) : std::vector<uint8_t>(), valid}});
    }
    all.push_back(std::move(c));
  }
  return all;
}

// A stateless chunk's constants and outputs stay well inside the emulated
// boards' flash and RAM.
constexpr size_t kChunkRecords = 64;

void expect_every_record(const std::string& target, const MakeRunner& make_runner,
                         const std::string& where) {
  for (const Case& c : cases()) {
    const size_t matched = matched_records(c, target, make_runner, kChunkRecords);
    EXPECT_EQ(matched, c.records.size()) << c.name;
    std::printf("%s: %zu / %zu records bit-exact on %s (kernels for %s)\n", c.name.c_str(), matched,
                c.records.size(), where.c_str(), target.c_str());
  }
}

// The reference kernels, and the Arm DSP variants in their portable form.
TEST(SignalOpsCompiled, EveryRecordOfEveryFileOnTheHost) {
  for (const char* target : {"portable", "cortex-m4"}) {
    expect_every_record(
        target, [](const CompiledModel& m) { return std::make_unique<HostRunner>(m.blob); },
        "the host");
  }
}

TEST(SignalOpsCompiled, EmulatedCoreEveryRecordOfEveryFile) {
  if (test::device().empty()) GTEST_SKIP() << "no --kiln-device";
  expect_every_record(
      test::device(),
      [](const CompiledModel& m) {
        return std::make_unique<EmulatedCoreRunner>(m.blob, test::device());
      },
      test::device());
}

}  // namespace
}  // namespace kiln
