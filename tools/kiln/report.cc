// kiln report: a model on a core and a part, as one self-contained HTML page
// (or its JSON): fit, per-layer cycles, memory over time, flash, accuracy,
// energy and battery life, the other cores.
#include "compiler/report/report.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/report/report_html.h"
#include "compiler/target/parts.h"
#include "tools/kiln/commands.h"

namespace kiln {
namespace cli {

namespace {

// "220" or "220,3.0": mAh and, optionally, volts.
void parse_battery(const std::string& text, ReportOptions* o) {
  size_t used = 0;
  try {
    o->battery_mah = std::stod(text, &used);
    if (used < text.size()) {
      if (text[used] != ',') throw std::invalid_argument(text);
      const std::string volts = text.substr(used + 1);
      o->battery_volts = std::stod(volts, &used);
      if (used != volts.size()) throw std::invalid_argument(text);
    }
  } catch (const std::logic_error&) {
    throw Error(ErrorKind::kUsage,
                fmt::format("--battery '{}': give milliamp-hours and, optionally, volts: "
                            "220 or 220,3.0",
                            text));
  }
  if (o->battery_mah <= 0 || o->battery_volts <= 0)
    throw Error(ErrorKind::kUsage, fmt::format("--battery '{}': must be positive", text));
}

}  // namespace

void register_report(CLI::App& app) {
  struct Options {
    std::string model, output, battery;
    bool json = false;
    ReportOptions report;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "a self-contained HTML report (or JSON): fit, per-layer cycles, memory over "
      "time, flash, accuracy, energy, every core");
  cmd->add_option("MODEL", opts->model, "a .tflite or .onnx model")->required();
  cmd->add_option("--target", opts->report.target,
                  "cortex-m4, cortex-m7, cortex-m33, cortex-m55, or a target description (.json) "
                  "(default: --part's core, else cortex-m4)");
  cmd->add_option("--part", opts->report.part, "a microcontroller: " + part_names());
  cmd->add_option("-i,--input", opts->report.inputs,
                  "the input each inference is measured on (default: zeros)");
  cmd->add_option("--data", opts->report.data,
                  "a directory of samples in the model's input type (as `kiln validate` "
                  "takes): accuracy in the report");
  cmd->add_option("--labels", opts->report.labels, "with --data: one class label per sample")
      ->needs("--data");
  cmd->add_option("--reference", opts->report.reference,
                  "with --data: the model to compare with, given the data converted to its "
                  "input type (a float model, say)")
      ->needs("--data");
  cmd->add_option("--limit", opts->report.data_limit, "with --data: the first N samples only")
      ->needs("--data");
  cmd->add_option("--rate", opts->report.rate_hz,
                  "inferences per second: average current (with --part)");
  cmd->add_option("--battery", opts->battery,
                  "a battery, mAh[,volts] (default 3 V): battery life (with --part and --rate)")
      ->needs("--rate");
  cmd->add_option("--cores", opts->report.cores, "the cores compared side by side")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "where the report goes (JSON: stdout if not given)");
  cmd->add_flag("--json", opts->json, "write the report's JSON instead of HTML");
  cmd->callback([opts]() {
    ReportOptions& o = opts->report;
    if (!opts->json && opts->output.empty())
      throw Error(ErrorKind::kUsage, "give -o FILE.html (or --json)");
    if ((o.rate_hz > 0 || !opts->battery.empty()) && o.part.empty())
      throw Error(ErrorKind::kUsage, "--rate and --battery need --part (its currents)");
    if (o.rate_hz < 0) throw Error(ErrorKind::kUsage, "--rate must be positive");
    if (!opts->battery.empty()) parse_battery(opts->battery, &o);
    if (!o.part.empty() && o.target == ReportOptions{}.target) o.target = find_part(o.part).core;
    o.progress = [](const std::string& step) { std::fprintf(stderr, "kiln: %s\n", step.c_str()); };
    const nlohmann::json report = build_report(opts->model, o);
    const std::string text = opts->json ? report.dump(2) + "\n" : report_html(report);
    if (opts->output.empty()) {
      fmt::print("{}", text);
    } else {
      write_file(opts->output, reinterpret_cast<const uint8_t*>(text.data()), text.size());
      std::fprintf(
          stderr, "kiln: wrote %s (%zu bytes%s)\n", opts->output.c_str(), text.size(),
          opts->json ? "" : fmt::format("; charts by {}", report_chart_libraries()).c_str());
    }
    if (!report["summary"]["fits"].get<bool>()) {
      std::string over;
      for (const auto& r : report["summary"]["regions"]) {
        if (!r["fits"].get<bool>())
          over += fmt::format("; {} needs {} bytes, {} over its {}", r["name"].get<std::string>(),
                              r["bytes"].get<uint64_t>(), r["over"].get<uint64_t>(),
                              r["capacity"].get<uint64_t>());
      }
      for (const char* key : {"part_flash", "part_ram"}) {
        if (report["summary"].contains(key) && !report["summary"][key]["fits"].get<bool>()) {
          const auto& p = report["summary"][key];
          over += fmt::format(
              "; {} {} needs {} bytes, {} over its {}", report["part"]["name"].get<std::string>(),
              key == std::string("part_flash") ? "flash" : "RAM", p["bytes"].get<uint64_t>(),
              -p["margin"].get<int64_t>(), p["capacity"].get<uint64_t>());
        }
      }
      std::fprintf(stderr, "kiln: the model does not fit%s\n", over.c_str());
    }
  });
}

}  // namespace cli
}  // namespace kiln
