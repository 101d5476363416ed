#include "compiler/run/emulated_core.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"

namespace kiln {
namespace {

std::string firmware_root() {
  const char* env = std::getenv("KILN_FIRMWARE_DIR");
  return env && *env ? env : KILN_FIRMWARE_DIR;
}

// Symbol values from `nm` output written next to the firmware.
std::map<std::string, uint64_t> read_symbols(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("cannot open '{}': build the firmware first", path));
  std::map<std::string, uint64_t> symbols;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string value, type, name;
    if (fields >> value >> type >> name) symbols[name] = std::stoull(value, nullptr, 16);
  }
  return symbols;
}

ErrorKind exit_kind(int code) {
  switch (code) {
    case 2: return ErrorKind::kFileNotFound;
    case 5: return ErrorKind::kBadInput;
    case 6: return ErrorKind::kArenaTooSmall;
    default: return ErrorKind::kBadModel;
  }
}

}  // namespace

uint64_t FirmwareRun::value(const std::string& key) const {
  for (const auto& [k, v] : values) {
    if (k == key) return v;
  }
  return 0;
}

FirmwareRun run_firmware(const CortexMCore& core, const std::string& elf,
                         const std::vector<std::string>& args, const std::string& plugin) {
  std::string semihosting_args = "arg=" + elf.substr(elf.find_last_of('/') + 1);
  for (const std::string& a : args) {
    if (a.find_first_of(", '") != std::string::npos) {
      throw Error(ErrorKind::kUsage,
                  fmt::format("firmware argument '{}' has a space, comma or quote", a));
    }
    semihosting_args += ",arg=" + a;
  }
  const std::string command = fmt::format(
      "qemu-system-arm -M {} -nographic -monitor none -serial none -icount shift=10 "
      "-semihosting-config enable=on,target=native,{} -kernel '{}'{} 2>&1",
      core.board, semihosting_args, elf, plugin.empty() ? "" : " -plugin '" + plugin + "'");
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error(ErrorKind::kFileNotFound, "cannot start qemu-system-arm");
  FirmwareRun run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (run.exit_code == 127) {
    throw Error(ErrorKind::kFileNotFound,
                "qemu-system-arm not found (Debian package qemu-system-arm)");
  }
  std::istringstream lines(run.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("kiln-runner: error: ", 0) == 0) run.error = line.substr(20);
    if (line.rfind("kiln: ", 0) != 0) continue;
    std::map<std::string, uint64_t> kv;
    std::istringstream fields(line.substr(6));
    std::string field;
    while (fields >> field) {
      const size_t eq = field.find('=');
      if (eq != std::string::npos) kv[field.substr(0, eq)] = std::stoull(field.substr(eq + 1));
    }
    if (kv.count("layer")) {
      run.layers.push_back({static_cast<uint32_t>(kv["layer"]),
                            static_cast<uint32_t>(kv["opcode"]),
                            kv["instructions"],
                            {}});
    } else {
      run.values.insert(run.values.end(), kv.begin(), kv.end());
    }
  }
  return run;
}

std::string firmware_dir(const CortexMCore& core) { return firmware_root() + "/" + core.name; }

std::string profile_plugin_path() {
  const char* env = std::getenv("KILN_PROFILE_PLUGIN");
  const std::string path = env && *env ? env : KILN_PROFILE_PLUGIN;
  if (access(path.c_str(), R_OK) != 0) {
    throw Error(ErrorKind::kFileNotFound,
                fmt::format("kiln's QEMU profiling plugin is not at '{}': build the kiln_profile "
                            "target, or set KILN_PROFILE_PLUGIN",
                            path));
  }
  return path;
}

std::vector<InstructionMix> read_profile(const std::string& path) {
  std::ifstream in(path);
  std::string line, word;
  std::vector<std::string> names;
  if (!in || !std::getline(in, line))
    throw Error(ErrorKind::kBadModel,
                fmt::format("the profiling plugin wrote nothing to {}", path));
  std::istringstream header(line);
  header >> word;
  if (word != "counters")
    throw Error(ErrorKind::kBadModel, fmt::format("{}: not a profile: '{}'", path, line));
  while (header >> word) names.push_back(word);
  std::vector<InstructionMix> segments;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    fields >> word;
    InstructionMix mix;
    uint64_t value = 0;
    for (const std::string& name : names) {
      if (!(fields >> value))
        throw Error(ErrorKind::kBadModel, fmt::format("{}: short segment '{}'", path, line));
      mix[name] = value;
    }
    segments.push_back(std::move(mix));
  }
  return segments;
}

CoreFirmware::CoreFirmware(const std::string& core) : core_(find_core(core)) {
  const std::string dir = firmware_dir(core_);
  elf_ = dir + "/kiln-runner.elf";
  const auto s = read_symbols(dir + "/kiln-runner.syms");
  auto sym = [&](const char* name) {
    auto it = s.find(name);
    if (it == s.end())
      throw Error(ErrorKind::kBadModel, fmt::format("firmware symbol {} missing in {}", name, dir));
    return it->second;
  };
  layout_.model_capacity = sym("__model_end") - sym("__model_start");
  layout_.arena_capacity = sym("__arena_end") - sym("__arena_start");
  layout_.region1_capacity = sym("__arena1_end") - sym("__arena1_start");
  layout_.runtime_flash = sym("__flash_used_end") - sym("__flash_start");
  layout_.static_ram =
      (sym("__data_end") - sym("__data_start")) + (sym("__bss_end") - sym("__bss_start"));
  layout_.stack_reserve = sym("__stack_top") - sym("__stack_limit");
  flash_start_ = sym("__flash_start");
  flash_end_ = sym("__model_end");
  const auto begin = s.find("kiln_profile_begin"), end = s.find("kiln_profile_end");
  if (begin != s.end() && end != s.end()) {
    profile_begin_ = begin->second;
    profile_end_ = end->second;
  }
}

std::string CoreFirmware::profile_plugin(const std::string& out, const FlashReads& flash) const {
  if (profile_begin_ == 0 || profile_end_ == 0) {
    throw Error(ErrorKind::kBadModel,
                fmt::format("{} has no profiling markers: rebuild the firmware", elf_));
  }
  return fmt::format(
      "{},begin={:#x},end={:#x},flash={:#x}:{:#x},flash_line={},flash_cache={},out={}",
      profile_plugin_path(), profile_begin_, profile_end_, flash_start_, flash_end_,
      flash.line_bytes, flash.cache_bytes, out);
}

void CoreFirmware::check_fits(uint64_t blob_bytes, uint64_t arena, uint64_t region1) const {
  if (blob_bytes > layout_.model_capacity) {
    throw Error(
        ErrorKind::kArenaTooSmall,
        fmt::format(
            "model does not fit {} flash: the blob is {} bytes, {} bytes are free after the "
            "{}-byte runtime",
            core_.name, blob_bytes, layout_.model_capacity, layout_.runtime_flash));
  }
  if (arena > layout_.arena_capacity) {
    throw Error(
        ErrorKind::kArenaTooSmall,
        fmt::format(
            "model does not fit {} RAM: its arena needs {} bytes, {} bytes are free after {} "
            "bytes of static data and a {}-byte stack",
            core_.name, arena, layout_.arena_capacity, layout_.static_ram, layout_.stack_reserve));
  }
  if (region1 > layout_.region1_capacity) {
    throw Error(ErrorKind::kArenaTooSmall,
                fmt::format("model does not fit {} RAM: its RAM region 1 needs {} bytes, the "
                            "board has {} there",
                            core_.name, region1, layout_.region1_capacity));
  }
}

EmulatedCoreRunner::EmulatedCoreRunner(const std::vector<uint8_t>& blob, const std::string& core,
                                       CoreRunOptions options)
    : firmware_(core), host_(blob), options_(options) {
  const std::vector<uint32_t>& regions = host_.region_bytes();
  if (regions.size() > 2) {
    throw Error(ErrorKind::kArenaTooSmall,
                fmt::format("the model's plan uses {} RAM regions; the {} board has at most 2",
                            regions.size(), firmware_.core().name));
  }
  firmware_.check_fits(blob.size(), host_.arena_bytes(), regions.size() > 1 ? regions[1] : 0);
  for (const TensorPort& port : host_.inputs()) inputs_.emplace_back(port.bytes(), 0);
  outputs_.resize(host_.outputs().size());
  write_file(dir_.file("model.kiln"), blob.data(), blob.size());
}

void EmulatedCoreRunner::write_input(size_t i, const std::vector<uint8_t>& bytes) {
  inputs_[i] = bytes;
}

void EmulatedCoreRunner::invoke() {
  std::vector<std::string> args = {dir_.file("model.kiln")};
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const std::string path = dir_.file(fmt::format("in{}.bin", i));
    write_file(path, inputs_[i].data(), inputs_[i].size());
    args.insert(args.end(), {"-i", path});
  }
  for (size_t i = 0; options_.read_outputs && i < outputs_.size(); ++i) {
    args.insert(args.end(), {"-o", dir_.file(fmt::format("out{}.bin", i))});
  }
  if (options_.per_layer) args.push_back("--layers");
  const std::string state_in = dir_.file("state_in.bin"), state_out = dir_.file("state_out.bin");
  if (host_.state_bytes() > 0) {
    if (!state_.empty()) {
      write_file(state_in, state_.data(), state_.size());
      args.insert(args.end(), {"-s", state_in});
    }
    args.insert(args.end(), {"-S", state_out});
  }

  const std::string profile = dir_.file("profile.txt");
  const FirmwareRun run =
      run_firmware(firmware_.core(), firmware_.elf(), args,
                   options_.profile ? firmware_.profile_plugin(profile, options_.flash) : "");
  if (run.exit_code != 0) {
    throw Error(exit_kind(run.exit_code),
                fmt::format("{} run failed (exit {}): {}", firmware_.core().name, run.exit_code,
                            run.error.empty() ? run.output : run.error));
  }
  RunCost c;
  c.instructions = run.value("instructions");
  c.counter_overhead = run.value("counter_overhead");
  c.arena_bytes = run.value("arena_bytes");
  c.region1_bytes = run.value("region1_bytes");
  c.model_flash_bytes = run.value("model_flash_bytes");
  c.runtime_flash_bytes = run.value("runtime_flash_bytes");
  c.static_ram_bytes = run.value("static_ram_bytes");
  c.stack_bytes = run.value("stack_bytes");
  c.layers = run.layers;
  if (options_.profile) {
    // One segment for the inference, then one per op of the timed second run.
    std::vector<InstructionMix> segments = read_profile(profile);
    if (segments.size() != 1 + c.layers.size()) {
      throw Error(ErrorKind::kBadModel,
                  fmt::format("the profile has {} segments, the run {} ops and the inference",
                              segments.size(), c.layers.size()));
    }
    c.mix = std::move(segments[0]);
    for (size_t i = 0; i < c.layers.size(); ++i) c.layers[i].mix = std::move(segments[i + 1]);
  }
  cost_ = c;
  outputs_written_ = run.value("outputs_written") != 0;
  if (host_.state_bytes() > 0) state_ = read_file(state_out);
  for (size_t i = 0; options_.read_outputs && i < outputs_.size(); ++i) {
    outputs_[i] = read_file(dir_.file(fmt::format("out{}.bin", i)));
  }
}

std::vector<uint8_t> EmulatedCoreRunner::output(size_t i) const {
  if (i >= outputs_.size())
    throw Error(ErrorKind::kUsage, fmt::format("model has no output {}", i));
  if (!options_.read_outputs)
    throw Error(ErrorKind::kUsage, "this run only counts: its outputs were not read");
  return outputs_[i];
}

}  // namespace kiln
