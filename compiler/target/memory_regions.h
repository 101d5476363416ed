// Target descriptions: a core and the memory regions a model may use.
//
// A description names the core (its kernel variants) and declares RAM and
// flash regions with their sizes and relative speed. The planner places the
// working tensors in the RAM regions, fastest first (compiler/plan/regions.h);
// the blob lives in the fastest flash region that holds it. kiln knows one description per emulated
// core (the QEMU board it runs on); a JSON file describes any other part:
//
//   {"name": "stm32f746", "core": "cortex-m7",
//    "regions": [
//      {"name": "DTCM",  "kind": "ram",   "origin": "0x20000000", "bytes": "64K",
//       "reserved": "20K", "speed": 2},
//      {"name": "SRAM",  "kind": "ram",   "origin": "0x20010000", "bytes": "256K"},
//      {"name": "FLASH", "kind": "flash", "origin": "0x08000000", "bytes": "1M"}]}
//
// Sizes are numbers or strings with a K or M suffix (1024, 1024²); origins
// numbers or "0x" strings. `reserved` is what the application keeps in the
// region (stack, static data); `speed` orders regions of a kind (higher is
// faster; default 1).
#ifndef KILN_COMPILER_TARGET_MEMORY_REGIONS_H
#define KILN_COMPILER_TARGET_MEMORY_REGIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

// The runtime takes at most this many RAM regions (blob_format.h).
constexpr size_t kMaxRamRegions = 4;

struct MemoryRegion {
  enum class Kind { kRam, kFlash };
  std::string name;
  Kind kind = Kind::kRam;
  uint64_t origin = 0;
  uint64_t bytes = 0;
  uint64_t reserved = 0;  // kept by the application
  double speed = 1.0;     // relative; higher is faster

  uint64_t capacity() const { return bytes - reserved; }  // what a model may use
};

struct TargetDescription {
  std::string name;  // the built-in's or the file's
  std::string core;  // a kernel target: kernel_target(core)
  // Empty for "portable" and "host": one arena, as large as the plan needs.
  std::vector<MemoryRegion> regions;

  // The RAM regions fastest first (ties in declaration order): the planner's
  // regions 0, 1, ...
  std::vector<MemoryRegion> ram() const;
  // The flash region a blob of `blob_bytes` goes in: the fastest that holds
  // it (weights in a slower external flash only when the internal one is
  // too small); null if none does, or none is declared.
  const MemoryRegion* model_flash(uint64_t blob_bytes) const;
  // The flash region with the most room, or null if none is declared.
  const MemoryRegion* largest_flash() const;
};

// A kernel target's name ("portable", "host", a core) or the path of a JSON
// description (any name ending in ".json"). Throws Error(kUsage) for an
// unknown name, and for a description that is malformed or inconsistent
// (naming the field or the regions at fault).
TargetDescription describe_target(const std::string& name_or_file);

// Whether `name_or_file` names a description file rather than a target.
bool is_description_file(const std::string& name_or_file);

// The core a target runs on: a description file's core, else the name itself.
std::string target_core(const std::string& name_or_file);

// Parses and checks a JSON description; `label` names it in errors.
TargetDescription parse_target_description(const std::string& json_text, const std::string& label);

// The built-in description of an emulated core: its board's regions.
const TargetDescription& builtin_description(const std::string& core);

}  // namespace kiln

#endif
