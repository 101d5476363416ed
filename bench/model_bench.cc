// Host latency of whole-model inference with kiln's reference kernels, on the
// MLPerf Tiny models and micro_speech. Each benchmark reports the median over
// repetitions and `x_tflm_ref`: TFLite Micro's reference-kernel latency on
// this kind of machine (../shared/baselines) divided by kiln's; above 1 is
// faster than TFLM. Host timings drift between runs: compare within a run.
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "compiler/common/file_io.h"
#include "compiler/compile.h"
#include "compiler/eval/host_runner.h"

namespace {

std::string shared_dir() {
  const char* env = std::getenv("KILN_SHARED_DIR");
  return env && *env ? env : KILN_SHARED_DIR;
}

struct ModelCase {
  const char* key;  // name in baselines.json
  const char* model;
  const char* input;
};

constexpr ModelCase kCases[] = {
    {"kws_ref_model", "mlcommons_tiny/kws_ref_model.tflite", "mlperf_kws_ref/s0_in0.bin"},
    {"vww_96_int8", "mlcommons_tiny/vww_96_int8.tflite", "mlperf_vww_96_int8/s0_in0.bin"},
    {"pretrainedResnet_quant", "mlcommons_tiny/pretrainedResnet_quant.tflite", "mlperf_resnet8_int8/s0_in0.bin"},
    {"ad01_int8", "mlcommons_tiny/ad01_int8.tflite", "mlperf_ad01_int8/s0_in0.bin"},
    {"micro_speech_quantized", "tflite_micro/micro_speech_quantized.tflite", "tflm_micro_speech/s0_in0.bin"},
};

void run_model(benchmark::State& state, const ModelCase& c, double tflm_ref_us) {
  const std::vector<uint8_t> blob =
      kiln::compile_tflite(kiln::read_file(shared_dir() + "/models/" + c.model), c.model).blob;
  kiln::HostRunner runner(blob);
  const std::vector<uint8_t> input = kiln::read_file(shared_dir() + "/testvectors/" + c.input);
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    runner.set_input(0, input);  // intermediates may reuse the input's bytes
    runner.invoke();
    benchmark::ClobberMemory();
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                    static_cast<double>(state.iterations());
  if (tflm_ref_us > 0) state.counters["x_tflm_ref"] = tflm_ref_us / us;
}

}  // namespace

int main(int argc, char** argv) {
  nlohmann::json baselines;
  std::ifstream f(shared_dir() + "/baselines/baselines.json");
  if (f) baselines = nlohmann::json::parse(f);
  for (const ModelCase& c : kCases) {
    double ref_us = 0;
    if (baselines.contains("host_x86_median_us_tflm") && baselines["host_x86_median_us_tflm"].contains(c.key)) {
      ref_us = baselines["host_x86_median_us_tflm"][c.key]["ref"].get<double>();
    }
    benchmark::RegisterBenchmark(c.key, [c, ref_us](benchmark::State& s) { run_model(s, c, ref_us); })
        ->Unit(benchmark::kMicrosecond)
        ->Repetitions(5)
        ->ReportAggregatesOnly(true);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
