// Host latency of whole-model inference on the MLPerf Tiny models and
// micro_speech, compiled twice in the same run: for the portable reference
// kernels and for this host's kernel variants (AVX2 where the processor has
// it). Each reports the median over repetitions and, from ../shared/baselines,
// x_tflm_ref and x_tflm_cmsis_nn: TFLite Micro's latency (reference kernels;
// CMSIS-NN's portable C build) on this kind of machine divided by kiln's;
// above 1 is faster. Host timings drift between runs: compare within a run.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "compiler/common/file_io.h"
#include "compiler/exec/host_runner.h"
#include "compiler/pipeline/compile.h"

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
    {"pretrainedResnet_quant", "mlcommons_tiny/pretrainedResnet_quant.tflite",
     "mlperf_resnet8_int8/s0_in0.bin"},
    {"ad01_int8", "mlcommons_tiny/ad01_int8.tflite", "mlperf_ad01_int8/s0_in0.bin"},
    {"micro_speech_quantized", "tflite_micro/micro_speech_quantized.tflite",
     "tflm_micro_speech/s0_in0.bin"},
};

struct Baseline {
  double ref_us = 0, cmsis_nn_us = 0;
};

void run_model(benchmark::State& state, const ModelCase& c, const std::string& target,
               Baseline tflm) {
  const std::vector<uint8_t> blob =
      kiln::compile_tflite(kiln::read_file(shared_dir() + "/models/" + c.model), c.model, {target})
          .blob;
  kiln::HostRunner runner(blob);
  const std::vector<uint8_t> input = kiln::read_file(shared_dir() + "/testvectors/" + c.input);
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    runner.set_input(0, input);  // intermediates may reuse the input's bytes
    runner.invoke();
    benchmark::ClobberMemory();
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(state.iterations());
  if (tflm.ref_us > 0) state.counters["x_tflm_ref"] = tflm.ref_us / us;
  if (tflm.cmsis_nn_us > 0) state.counters["x_tflm_cmsis_nn"] = tflm.cmsis_nn_us / us;
}

}  // namespace

int main(int argc, char** argv) {
  nlohmann::json baselines;
  std::ifstream f(shared_dir() + "/baselines/baselines.json");
  if (f) baselines = nlohmann::json::parse(f);
  for (const ModelCase& c : kCases) {
    Baseline tflm;
    if (baselines.contains("host_x86_median_us_tflm") &&
        baselines["host_x86_median_us_tflm"].contains(c.key)) {
      const nlohmann::json& b = baselines["host_x86_median_us_tflm"][c.key];
      tflm.ref_us = b.value("ref", 0.0);
      tflm.cmsis_nn_us = b.value("cmsis_nn", 0.0);
    }
    for (const std::string target : {"portable", "host"}) {
      benchmark::RegisterBenchmark(
          (std::string(c.key) + "/" + target).c_str(),
          [c, target, tflm](benchmark::State& s) { run_model(s, c, target, tflm); })
          ->Unit(benchmark::kMicrosecond)
          ->Repetitions(5)
          ->ReportAggregatesOnly(true);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
