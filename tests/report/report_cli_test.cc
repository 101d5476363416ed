// kiln report end to end: its JSON against the other commands' figures and
// the plan's invariants, and its HTML opened in headless Chromium (every
// chart drawn, no script error; a screenshot kept in the build's
// test_artifacts directory).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>

#include "compiler/common/file_io.h"
#include "compiler/target/parts.h"
#include "tests/support/cli.h"
#include "tests/support/test_support.h"

namespace kiln {
namespace {

using test::kiln_cli;
using test::model;
using test::temp_path;
using json = nlohmann::json;

const std::string kKws = "mlcommons_tiny/kws_ref_model.tflite";

std::string kws_input() { return test::shared_dir() + "/testvectors/mlperf_kws_ref/s0_in0.bin"; }

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// The page as Chromium leaves it once its scripts ran.
struct RenderedPage {
  bool done = false;
  int charts = -1, errors = -1;
  int drawn = 0;  // Vega's SVG roots
  std::string error_text, dom;
};

RenderedPage open_in_chromium(const std::string& html, const std::string& screenshot) {
  const std::string chromium = fmt::format(
      "timeout 300 {} --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--no-first-run --user-data-dir={} --virtual-time-budget=60000 ",
      KILN_CHROMIUM, temp_path(screenshot + ".profile"));
  RenderedPage page;
  page.dom = run(chromium + "--dump-dom 'file://" + html + "' 2>/dev/null");
  std::smatch m;
  const auto attribute = [&](const char* name) -> std::string {
    return std::regex_search(page.dom, m, std::regex(std::string(name) + "=\"([^\"]*)\""))
               ? m[1].str()
               : "";
  };
  page.done = attribute("data-kiln-done") == "1";
  if (!attribute("data-kiln-charts").empty())
    page.charts = std::stoi(attribute("data-kiln-charts"));
  if (!attribute("data-kiln-errors").empty())
    page.errors = std::stoi(attribute("data-kiln-errors"));
  page.error_text = attribute("data-kiln-error-text");
  const std::regex root("<svg[^>]* class=\"marks\"");
  page.drawn = static_cast<int>(
      std::distance(std::sregex_iterator(page.dom.begin(), page.dom.end(), root), {}));
  const std::string png = std::string(KILN_TEST_ARTIFACTS) + "/" + screenshot + ".png";
  run(chromium + "--window-size=1280,5600 --screenshot='" + png + "' 'file://" + html +
      "' >/dev/null 2>&1");
  return page;
}

json read_json(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  return json::parse(bytes.begin(), bytes.end());
}

TEST(ReportOnCortexM4, KwsOnStm32L4r5) {
  const std::string args = fmt::format(
      "report {} --part STM32L4R5 --input {} --rate 1 "
      "--battery 220,3",
      model(kKws), kws_input());
  const std::string json_path = temp_path("kws_report.json");
  const test::CliResult r = kiln_cli(args + " --json -o " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = read_json(json_path);
  EXPECT_EQ(j["kiln_report"], 1);
  EXPECT_EQ(j["core"], "cortex-m4");
  EXPECT_EQ(j["part"]["name"], "STM32L4R5");
  const json& s = j["summary"];
  EXPECT_TRUE(s["fits"].get<bool>());
  EXPECT_EQ(s["part_flash"]["capacity"], 2048 * 1024);
  EXPECT_EQ(s["part_ram"]["capacity"], 640 * 1024);
  EXPECT_EQ(s["part_ram"]["margin"].get<int64_t>(), 640 * 1024 - s["ram_bytes"].get<int64_t>());

  // The same figures `kiln bench` gives.
  const test::CliResult b = kiln_cli(
      fmt::format("bench {} --part STM32L4R5 --input {} --json", model(kKws), kws_input()));
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const json bench = json::parse(b.output);
  EXPECT_EQ(s["instructions"], bench["instructions"]);
  EXPECT_DOUBLE_EQ(s["estimated_cycles"].get<double>(), bench["estimated_cycles"].get<double>());
  EXPECT_EQ(s["ram_bytes"], bench["ram_bytes"]);

  // Layers: the analysis's, each with what the core measured for it.
  ASSERT_EQ(j["layers"].size(), j["analysis"]["layers"].size());
  uint64_t layer_instructions = 0;
  for (const json& l : j["layers"]) layer_instructions += l.value("instructions", uint64_t{0});
  EXPECT_GT(layer_instructions, s["instructions"].get<uint64_t>() * 99 / 100);
  EXPECT_LE(layer_instructions, s["instructions"].get<uint64_t>());

  // The memory timeline: every buffer inside its region, and no two buffers
  // live at the same op share a byte.
  const json& buffers = j["memory"]["buffers"];
  ASSERT_GT(buffers.size(), 10u);
  for (const json& a : buffers) {
    const size_t region = a["region"];
    EXPECT_LE(a["offset"].get<uint64_t>() + a["bytes"].get<uint64_t>(),
              j["memory"]["region_bytes"][region].get<uint64_t>());
    for (const json& b2 : buffers) {
      if (&a == &b2 || a["region"] != b2["region"]) continue;
      const bool same_time = a["first_op"] <= b2["last_op"] && b2["first_op"] <= a["last_op"];
      const bool same_bytes =
          a["offset"].get<uint64_t>() <
              b2["offset"].get<uint64_t>() + b2["bytes"].get<uint64_t>() &&
          b2["offset"].get<uint64_t>() < a["offset"].get<uint64_t>() + a["bytes"].get<uint64_t>();
      EXPECT_FALSE(same_time && same_bytes) << a["tensor"] << " and " << b2["tensor"];
    }
  }
  const json& f = j["flash"];
  EXPECT_EQ(
      f["weights"].get<uint64_t>() + f["params"].get<uint64_t>() + f["tables"].get<uint64_t>(),
      f["blob"].get<uint64_t>());

  // Every core ran; the M4's row is the main run's.
  ASSERT_EQ(j["cores"].size(), 4u);
  for (const json& c : j["cores"]) EXPECT_FALSE(c.contains("error")) << c;
  EXPECT_EQ(j["cores"][0]["instructions"], s["instructions"]);

  // Energy and battery life from the part's currents.
  const Part& part = find_part("STM32L4R5");
  const double cycles = s["estimated_cycles"];
  const BatteryLife life = battery_life(part, cycles, 1.0, 220, 3.0);
  EXPECT_NEAR(j["energy"]["microjoules"].get<double>(), inference_energy(part, cycles).microjoules,
              1e-6);
  EXPECT_NEAR(j["energy"]["battery_hours"].get<double>(), life.hours, 1e-6);

  // The page: every chart drawn, no script error.
  const std::string html = temp_path("kws_report.html");
  const test::CliResult h = kiln_cli(args + " -o " + html);
  ASSERT_EQ(h.exit_code, 0) << h.output;
  const std::string text = h.output;
  EXPECT_NE(text.find("charts by vega 5.33.1, vega-lite 5.23.0"), std::string::npos) << text;
  const RenderedPage page = open_in_chromium(html, "kws_stm32l4r5");
  EXPECT_TRUE(page.done) << page.dom.substr(0, 2000);
  EXPECT_EQ(page.errors, 0) << page.error_text;
  // Layers (3), the memory plan (1 region), flash, RAM, cores.
  EXPECT_EQ(page.charts, 7);
  EXPECT_EQ(page.drawn, page.charts);
  EXPECT_NE(page.dom.find("Fits STM32L4R5"), std::string::npos);
  // Offline: no script or style is fetched from anywhere.
  const std::vector<uint8_t> bytes = read_file(html);
  const std::string source(bytes.begin(), bytes.end());
  EXPECT_EQ(source.find("<script src"), std::string::npos);
  EXPECT_EQ(source.find("<link"), std::string::npos);
}

TEST(ReportOnCortexM4, AModelThatDoesNotFitSaysByHowMuchAndStillRenders) {
  const std::string board = temp_path("small_board.json");
  const std::string description = R"({"name": "small", "core": "cortex-m4", "regions": [
    {"name": "SRAM", "kind": "ram", "origin": "0x20000000", "bytes": "12K"},
    {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"}]})";
  write_file(board, reinterpret_cast<const uint8_t*>(description.data()), description.size());
  const std::string html = temp_path("kws_small.html");
  const test::CliResult r = kiln_cli(
      fmt::format("report {} --target {} --input {} -o {}", model(kKws), board, kws_input(), html));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The M4 plan of KWS takes 16,360 bytes of arena: 4,072 more than 12 KiB.
  EXPECT_NE(r.output.find("kiln: the model does not fit; SRAM needs 16360 bytes, 4072 over its "
                          "12288"),
            std::string::npos)
      << r.output;
  const std::string json_path = temp_path("kws_small.json");
  ASSERT_EQ(
      kiln_cli(fmt::format("report {} --target {} --json -o {}", model(kKws), board, json_path))
          .exit_code,
      0);
  const json j = read_json(json_path);
  EXPECT_FALSE(j["summary"]["fits"].get<bool>());
  EXPECT_EQ(j["summary"]["regions"][0]["over"], 4072);
  EXPECT_NE(j["bench_error"].get<std::string>().find("RAM region 'SRAM' would need 16360 bytes"),
            std::string::npos)
      << j["bench_error"];
  const RenderedPage page = open_in_chromium(html, "kws_does_not_fit");
  EXPECT_TRUE(page.done);
  EXPECT_EQ(page.errors, 0) << page.error_text;
  EXPECT_GT(page.charts, 0);
  EXPECT_EQ(page.drawn, page.charts);
  EXPECT_NE(page.dom.find("Does not fit small"), std::string::npos);
  EXPECT_NE(page.dom.find("4,072 over"), std::string::npos);
}

// Accuracy from a dataset: KWS's three test vectors labelled with TFLite
// Micro's answers, which kiln's outputs equal bit for bit.
TEST(ReportOnCortexM4, AccuracyAndConfusionMatrixFromData) {
  const std::string vectors = test::shared_dir() + "/testvectors/mlperf_kws_ref/";
  const std::string data = temp_path("kws_data");
  run("rm -rf '" + data + "' && mkdir -p '" + data + "'");
  std::string labels;
  for (int s = 0; s < 3; ++s) {
    const std::vector<uint8_t> in = read_file(fmt::format("{}s{}_in0.bin", vectors, s));
    write_file(fmt::format("{}/s{}_in0.bin", data, s), in.data(), in.size());
    const std::vector<uint8_t> out = read_file(fmt::format("{}s{}_tflm0.bin", vectors, s));
    int best = 0;
    for (size_t i = 1; i < out.size(); ++i) {
      if (static_cast<int8_t>(out[i]) > static_cast<int8_t>(out[static_cast<size_t>(best)]))
        best = static_cast<int>(i);
    }
    labels += fmt::format("s{} {}\n", s, best);
  }
  const std::string labels_file = temp_path("kws_labels.txt");
  write_file(labels_file, reinterpret_cast<const uint8_t*>(labels.data()), labels.size());
  const std::string common =
      fmt::format("report {} --part STM32L4R5 --input {} --data {} --labels {}", model(kKws),
                  kws_input(), data, labels_file);
  const std::string json_path = temp_path("kws_accuracy.json");
  const test::CliResult r = kiln_cli(common + " --json -o " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json a = read_json(json_path)["accuracy"];
  EXPECT_EQ(a["samples"], 3);
  EXPECT_DOUBLE_EQ(a["model_accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(a["reference_accuracy"].get<double>(), 1.0);  // its own graph
  EXPECT_DOUBLE_EQ(a["top1_agreement"].get<double>(), 1.0);
  ASSERT_EQ(a["confusion"].size(), 12u);  // 12 keywords
  uint64_t diagonal = 0;
  for (size_t c = 0; c < 12; ++c) diagonal += a["confusion"][c][c].get<uint64_t>();
  EXPECT_EQ(diagonal, 3u);

  const std::string html = temp_path("kws_accuracy.html");
  ASSERT_EQ(kiln_cli(common + " -o " + html).exit_code, 0);
  const RenderedPage page = open_in_chromium(html, "kws_accuracy");
  EXPECT_TRUE(page.done);
  EXPECT_EQ(page.errors, 0) << page.error_text;
  EXPECT_EQ(page.charts, 8);  // the seven, and the confusion matrix
  EXPECT_EQ(page.drawn, page.charts);
}

TEST(ReportOnCortexM4, AnUnknownPartListsTheKnownOnes) {
  const test::CliResult r =
      kiln_cli(fmt::format("report {} --part STM32F999 -o {}", model(kKws), temp_path("x.html")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("kiln: error: unknown part 'STM32F999' (known: STM32L4R5, STM32H7A3, "
                          "STM32U585, nRF52840, Alif-E3-HP, Alif-E3-HE)"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kiln
