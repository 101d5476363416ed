#include "compiler/target/memory_regions.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "compiler/common/error.h"
#include "compiler/common/file_io.h"
#include "compiler/target/cores.h"
#include "compiler/target/kernel_target.h"

namespace kiln {
namespace {

using Kind = MemoryRegion::Kind;
constexpr uint64_t KiB = 1024;

[[noreturn]] void refuse(const std::string& label, const std::string& what) {
  throw Error(ErrorKind::kUsage, fmt::format("target description {}: {}", label, what));
}

// The emulated boards' memory (targets/boards/*.ld) as regions. Each keeps
// 20 KiB of its fastest RAM for the firmware's 16 KiB stack and static data.
std::map<std::string, TargetDescription> make_builtins() {
  constexpr uint64_t kFirmware = 20 * KiB;
  auto ram = [](const char* name, uint64_t origin, uint64_t bytes, uint64_t reserved,
                double speed) {
    return MemoryRegion{name, Kind::kRam, origin, bytes, reserved, speed};
  };
  auto flash = [](const char* name, uint64_t origin, uint64_t bytes) {
    return MemoryRegion{name, Kind::kFlash, origin, bytes, 0, 1.0};
  };
  std::map<std::string, TargetDescription> all;
  // mps2-an386, clamped to an STM32F4-class part.
  all["cortex-m4"] = {
      "cortex-m4",
      "cortex-m4",
      {flash("FLASH", 0x00000000, 1024 * KiB), ram("SRAM", 0x20000000, 192 * KiB, kFirmware, 1)}};
  // mps2-an500 as an STM32H7-class part: 128 KiB of DTCM where the M7 has
  // it (0x20000000), 512 KiB of slower SRAM (the board's PSRAM, 0x60000000).
  all["cortex-m7"] = {
      "cortex-m7",
      "cortex-m7",
      {flash("FLASH", 0x00000000, 2048 * KiB), ram("DTCM", 0x20000000, 128 * KiB, kFirmware, 2),
       ram("SRAM", 0x60000000, 512 * KiB, 0, 1)}};
  // mps2-an505 (secure aliases), clamped to an STM32L5-class part.
  all["cortex-m33"] = {
      "cortex-m33",
      "cortex-m33",
      {flash("FLASH", 0x10000000, 1024 * KiB), ram("SRAM", 0x38000000, 256 * KiB, kFirmware, 1)}};
  // mps3-an547 (secure aliases): the model in 2 MiB of SRAM standing for
  // flash (code runs from the ITCM), data in the 512 KiB DTCM, then 2 MiB
  // of ISRAM.
  all["cortex-m55"] = {
      "cortex-m55",
      "cortex-m55",
      {flash("MODEL", 0x11000000, 2048 * KiB), ram("DTCM", 0x30000000, 512 * KiB, kFirmware, 2),
       ram("ISRAM", 0x31000000, 2048 * KiB, 0, 1)}};
  return all;
}

const std::map<std::string, TargetDescription>& builtins() {
  static const std::map<std::string, TargetDescription> all = make_builtins();
  return all;
}

// A size or address: a number, "0x..." or a count with a K or M suffix.
uint64_t parse_size(const nlohmann::json& v, const std::string& label, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    size_t used = 0;
    uint64_t value = 0;
    try {
      value = std::stoull(s, &used, 0);
    } catch (const std::exception&) {
      used = 0;
    }
    const std::string suffix = s.substr(used);
    const uint64_t unit = suffix.empty() ? 1 : suffix == "K" ? KiB : suffix == "M" ? KiB * KiB : 0;
    if (used > 0 && unit > 0 && value <= UINT64_MAX / unit) return value * unit;
  }
  refuse(label, fmt::format("{}: '{}' is not a size (a number, \"0x...\", or with K or M)", field,
                            v.dump()));
}

MemoryRegion parse_region(const nlohmann::json& j, const std::string& label, size_t index) {
  const std::string where = fmt::format("regions[{}]", index);
  if (!j.is_object()) refuse(label, where + " is not an object");
  static const std::set<std::string> keys = {"name",     "kind",  "origin", "bytes",
                                             "reserved", "speed", "note"};
  for (const auto& [key, value] : j.items()) {
    if (keys.count(key) == 0) refuse(label, fmt::format("{}: unknown field '{}'", where, key));
  }
  MemoryRegion r;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
    refuse(label, where + ": needs a \"name\"");
  r.name = j["name"].get<std::string>();
  const std::string at = fmt::format("region '{}'", r.name);
  const std::string kind = j.value("kind", "");
  if (kind != "ram" && kind != "flash")
    refuse(label, at + ": \"kind\" must be \"ram\" or \"flash\"");
  r.kind = kind == "ram" ? Kind::kRam : Kind::kFlash;
  if (!j.contains("bytes")) refuse(label, at + ": needs \"bytes\"");
  r.bytes = parse_size(j["bytes"], label, at + " bytes");
  r.origin = j.contains("origin") ? parse_size(j["origin"], label, at + " origin") : 0;
  r.reserved = j.contains("reserved") ? parse_size(j["reserved"], label, at + " reserved") : 0;
  if (j.contains("speed")) {
    if (!j["speed"].is_number() || !(j["speed"].get<double>() > 0))
      refuse(label, at + ": \"speed\" must be a positive number");
    r.speed = j["speed"].get<double>();
  }
  if (r.bytes == 0) refuse(label, at + " has no bytes");
  if (r.reserved >= r.bytes)
    refuse(label, fmt::format("{} is too small: it keeps {} of its {} bytes (reserved)", at,
                              r.reserved, r.bytes));
  if (r.origin > UINT64_MAX - r.bytes) refuse(label, at + " ends past the address space");
  return r;
}

void check_regions(const TargetDescription& d, const std::string& label) {
  std::set<std::string> names;
  for (const MemoryRegion& r : d.regions) {
    if (!names.insert(r.name).second) refuse(label, fmt::format("two regions named '{}'", r.name));
  }
  for (size_t a = 0; a < d.regions.size(); ++a) {
    for (size_t b = a + 1; b < d.regions.size(); ++b) {
      const MemoryRegion &x = d.regions[a], &y = d.regions[b];
      if (x.origin < y.origin + y.bytes && y.origin < x.origin + x.bytes) {
        refuse(label, fmt::format("regions '{}' [0x{:08x}, 0x{:08x}) and '{}' [0x{:08x}, 0x{:08x}) "
                                  "overlap",
                                  x.name, x.origin, x.origin + x.bytes, y.name, y.origin,
                                  y.origin + y.bytes));
      }
    }
  }
  const auto count = [&](Kind kind) {
    return std::count_if(d.regions.begin(), d.regions.end(),
                         [kind](const MemoryRegion& r) { return r.kind == kind; });
  };
  if (count(Kind::kRam) == 0) refuse(label, "declares no RAM region");
  if (count(Kind::kFlash) == 0) refuse(label, "declares no flash region");
  if (static_cast<size_t>(count(Kind::kRam)) > kMaxRamRegions)
    refuse(label, fmt::format("declares {} RAM regions; the runtime takes at most {}",
                              count(Kind::kRam), kMaxRamRegions));
}

}  // namespace

std::vector<MemoryRegion> TargetDescription::ram() const {
  std::vector<MemoryRegion> out;
  for (const MemoryRegion& r : regions) {
    if (r.kind == Kind::kRam) out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const MemoryRegion& a, const MemoryRegion& b) { return a.speed > b.speed; });
  return out;
}

const MemoryRegion* TargetDescription::model_flash(uint64_t blob_bytes) const {
  const MemoryRegion* best = nullptr;
  for (const MemoryRegion& r : regions) {
    if (r.kind == Kind::kFlash && r.capacity() >= blob_bytes &&
        (best == nullptr || r.speed > best->speed))
      best = &r;
  }
  return best;
}

const MemoryRegion* TargetDescription::largest_flash() const {
  const MemoryRegion* best = nullptr;
  for (const MemoryRegion& r : regions) {
    if (r.kind == Kind::kFlash && (best == nullptr || r.capacity() > best->capacity())) best = &r;
  }
  return best;
}

TargetDescription parse_target_description(const std::string& json_text, const std::string& label) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    refuse(label, fmt::format("not JSON ({})", e.what()));
  }
  if (!j.is_object()) refuse(label, "is not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "name" && key != "core" && key != "regions" && key != "note")
      refuse(label, fmt::format("unknown field '{}'", key));
  }
  TargetDescription d;
  d.name = j.value("name", label);
  if (!j.contains("core") || !j["core"].is_string())
    refuse(label, fmt::format("needs a \"core\" (one of: {})", kernel_target_names()));
  d.core = j["core"].get<std::string>();
  kernel_target(d.core);  // throws listing the known ones
  if (!j.contains("regions") || !j["regions"].is_array())
    refuse(label, "needs \"regions\": a list of RAM and flash regions");
  for (size_t i = 0; i < j["regions"].size(); ++i) {
    d.regions.push_back(parse_region(j["regions"][i], label, i));
  }
  check_regions(d, label);
  return d;
}

const TargetDescription& builtin_description(const std::string& core) {
  const auto it = builtins().find(core);
  if (it == builtins().end()) find_core(core);  // throws listing the cores
  return it->second;
}

bool is_description_file(const std::string& name_or_file) {
  const std::string suffix = ".json";
  return name_or_file.size() > suffix.size() &&
         name_or_file.compare(name_or_file.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string target_core(const std::string& name_or_file) {
  return is_description_file(name_or_file) ? describe_target(name_or_file).core : name_or_file;
}

TargetDescription describe_target(const std::string& name_or_file) {
  if (is_description_file(name_or_file)) {
    const std::vector<uint8_t> bytes = read_file(name_or_file);
    return parse_target_description(std::string(bytes.begin(), bytes.end()), name_or_file);
  }
  const KernelTarget& kernels = kernel_target(name_or_file);  // throws listing the known ones
  if (builtins().count(kernels.name) > 0) return builtins().at(kernels.name);
  return {kernels.name, kernels.name, {}};
}

}  // namespace kiln
