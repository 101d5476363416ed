#include "compiler/target/cortex_m.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/eval/host_runner.h"

namespace kiln {
namespace {

std::string firmware_root() {
  const char* env = std::getenv("KILN_FIRMWARE_DIR");
  return env && *env ? env : KILN_FIRMWARE_DIR;
}

// Symbol values from `nm` output written next to the firmware.
std::map<std::string, uint64_t> read_symbols(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::kFileNotFound, fmt::format("cannot open '{}': build the firmware first", path));
  std::map<std::string, uint64_t> symbols;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string value, type, name;
    if (fields >> value >> type >> name) symbols[name] = std::stoull(value, nullptr, 16);
  }
  return symbols;
}

// A scratch directory for the files QEMU reads and writes, removed on exit.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/kiln-target-XXXXXX";
    if (!mkdtemp(pattern)) throw Error(ErrorKind::kFileNotFound, "cannot create a temporary directory");
    path_ = pattern;
  }
  ~TempDir() {
    for (const std::string& f : files_) std::remove(f.c_str());
    rmdir(path_.c_str());
  }
  std::string file(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

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

FirmwareRun run_firmware(const CortexMTarget& target, const std::string& elf, const std::vector<std::string>& args) {
  std::string semihosting_args = "arg=" + elf.substr(elf.find_last_of('/') + 1);
  for (const std::string& a : args) {
    if (a.find_first_of(", '") != std::string::npos) {
      throw Error(ErrorKind::kUsage, fmt::format("firmware argument '{}' has a space, comma or quote", a));
    }
    semihosting_args += ",arg=" + a;
  }
  const std::string command = fmt::format(
      "qemu-system-arm -M {} -nographic -monitor none -serial none -icount shift=10 "
      "-semihosting-config enable=on,target=native,{} -kernel '{}' 2>&1",
      target.board, semihosting_args, elf);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error(ErrorKind::kFileNotFound, "cannot start qemu-system-arm");
  FirmwareRun run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (run.exit_code == 127) {
    throw Error(ErrorKind::kFileNotFound, "qemu-system-arm not found (Debian package qemu-system-arm)");
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
      run.layers.push_back({static_cast<uint32_t>(kv["layer"]), static_cast<uint32_t>(kv["opcode"]), kv["instructions"]});
    } else {
      run.values.insert(run.values.end(), kv.begin(), kv.end());
    }
  }
  return run;
}

std::string firmware_dir(const CortexMTarget& target) { return firmware_root() + "/" + target.name; }

const std::vector<CortexMTarget>& cortex_m_targets() {
  static const std::vector<CortexMTarget> targets = {
      {"cortex-m4", "mps2-an386", {KernelIsa::arm_dsp}},
      {"cortex-m7", "mps2-an500", {KernelIsa::arm_dsp}},
      {"cortex-m33", "mps2-an505", {KernelIsa::arm_dsp}},
      {"cortex-m55", "mps3-an547", {KernelIsa::arm_mve, KernelIsa::arm_dsp}},
  };
  return targets;
}

const CortexMTarget& find_target(const std::string& name) {
  std::string known;
  for (const CortexMTarget& t : cortex_m_targets()) {
    if (name == t.name) return t;
    known += known.empty() ? t.name : std::string(", ") + t.name;
  }
  throw Error(ErrorKind::kUsage, fmt::format("unknown target '{}' (known: {})", name, known));
}

CortexMRunner::CortexMRunner(const std::string& target) : target_(find_target(target)) {
  const std::string dir = firmware_dir(target_);
  firmware_ = dir + "/kiln-runner.elf";
  const auto s = read_symbols(dir + "/kiln-runner.syms");
  auto sym = [&](const char* name) {
    auto it = s.find(name);
    if (it == s.end()) throw Error(ErrorKind::kBadModel, fmt::format("firmware symbol {} missing in {}", name, dir));
    return it->second;
  };
  layout_.model_capacity = sym("__model_end") - sym("__model_start");
  layout_.arena_capacity = sym("__arena_end") - sym("__arena_start");
  layout_.runtime_flash = sym("__flash_used_end") - sym("__flash_start");
  layout_.static_ram = (sym("__data_end") - sym("__data_start")) + (sym("__bss_end") - sym("__bss_start"));
  layout_.stack_reserve = sym("__stack_top") - sym("__stack_limit");
}

void CortexMRunner::check_fits(uint64_t blob_bytes, uint64_t arena) const {
  if (blob_bytes > layout_.model_capacity) {
    throw Error(ErrorKind::kArenaTooSmall,
                fmt::format("model does not fit {} flash: the blob is {} bytes, {} bytes are free after the "
                            "{}-byte runtime",
                            target_.name, blob_bytes, layout_.model_capacity, layout_.runtime_flash));
  }
  if (arena > layout_.arena_capacity) {
    throw Error(ErrorKind::kArenaTooSmall,
                fmt::format("model does not fit {} RAM: its arena needs {} bytes, {} bytes are free after {} "
                            "bytes of static data and a {}-byte stack",
                            target_.name, arena, layout_.arena_capacity, layout_.static_ram, layout_.stack_reserve));
  }
}

TargetRunResult CortexMRunner::run(const std::vector<uint8_t>& blob, const std::vector<std::string>& inputs,
                                   const std::vector<std::string>& outputs, bool per_layer) const {
  // Check the blob, its fit and the input sizes on the host first: clearer errors.
  HostRunner host(blob);
  check_fits(blob.size(), host.arena_bytes());
  if (!inputs.empty() && inputs.size() != host.executor().num_inputs()) {
    throw Error(ErrorKind::kBadInput, fmt::format("model has {} inputs but {} input files were given",
                                                  host.executor().num_inputs(), inputs.size()));
  }
  TempDir tmp;
  const std::string blob_path = tmp.file("model.kiln");
  write_file(blob_path, blob.data(), blob.size());
  std::vector<std::string> args = {blob_path};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<uint8_t> bytes = read_file(inputs[i]);
    try {
      host.set_input(static_cast<uint32_t>(i), bytes);
    } catch (const Error& e) {
      throw Error(e.kind(), fmt::format("{}: {}", inputs[i], e.what()));
    }
    const std::string path = tmp.file(fmt::format("in{}.bin", i));
    write_file(path, bytes.data(), bytes.size());
    args.insert(args.end(), {"-i", path});
  }
  std::vector<std::string> output_paths;
  for (size_t i = 0; i < outputs.size(); ++i) {
    output_paths.push_back(tmp.file(fmt::format("out{}.bin", i)));
    args.insert(args.end(), {"-o", output_paths.back()});
  }
  if (per_layer) args.push_back("--layers");

  const FirmwareRun run = run_firmware(target_, firmware_, args);
  if (run.exit_code != 0) {
    throw Error(exit_kind(run.exit_code), fmt::format("{} run failed (exit {}): {}", target_.name, run.exit_code,
                                                      run.error.empty() ? run.output : run.error));
  }
  TargetRunResult r;
  r.instructions = run.value("instructions");
  r.counter_overhead = run.value("counter_overhead");
  r.arena_bytes = run.value("arena_bytes");
  r.model_flash_bytes = run.value("model_flash_bytes");
  r.runtime_flash_bytes = run.value("runtime_flash_bytes");
  r.static_ram_bytes = run.value("static_ram_bytes");
  r.stack_bytes = run.value("stack_bytes");
  r.layers = run.layers;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::vector<uint8_t> bytes = read_file(output_paths[i]);
    write_file(outputs[i], bytes.data(), bytes.size());
  }
  return r;
}

}  // namespace kiln
