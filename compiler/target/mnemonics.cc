#include "compiler/target/mnemonics.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "compiler/common/error.h"

namespace kiln {
namespace {

const std::set<std::string> kConditions = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl",
                                           "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"};

// `base` is one of `names`, or one of them with a condition suffix.
bool is_one_of(const std::string& base, const std::set<std::string>& names) {
  if (names.count(base)) return true;
  return base.size() > 2 && kConditions.count(base.substr(base.size() - 2)) &&
         names.count(base.substr(0, base.size() - 2));
}

bool has_q_register(const std::string& operands) {
  for (size_t i = 0; i + 1 < operands.size(); ++i) {
    if (operands[i] == 'q' && operands[i + 1] >= '0' && operands[i + 1] <= '7' &&
        (i == 0 || operands[i - 1] == ' ' || operands[i - 1] == '{' || operands[i - 1] == ','))
      return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> mnemonic_classes(const std::string& mnemonic,
                                          const std::string& operands) {
  const std::string base = mnemonic.substr(0, mnemonic.find('.'));
  const bool to_pc = operands.rfind("pc,", 0) == 0;
  const bool pc_in_list = operands.find("pc}") != std::string::npos;
  if (is_one_of(base, {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt",
                       "ldrbt", "ldrht", "ldrsbt", "ldrsht", "lda", "ldab", "ldah", "ldaex",
                       "ldaexb", "ldaexh"}))
    return {to_pc ? "load_pc" : "load"};
  if (is_one_of(base, {"ldm", "ldmia", "ldmdb", "ldmfd", "pop", "ldrd"}))
    return {pc_in_list ? "load_pc" : "load_multiple"};
  if (is_one_of(base, {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht",
                       "stl", "stlb", "stlh", "stlex", "stlexb", "stlexh"}))
    return {"store"};
  if (is_one_of(base, {"stm", "stmia", "stmdb", "stmea", "push", "strd"}))
    return {"store_multiple"};
  if (is_one_of(base, {"tbb", "tbh"})) return {"table_branch"};
  if (is_one_of(base, {"b", "bl", "bx", "blx", "cbz", "cbnz", "bxns", "blxns"})) return {"branch"};
  if (is_one_of(base, {"mov", "add"}) && to_pc) return {"branch"};
  if (is_one_of(base,
                {"mul",   "muls",   "mla",    "mls",    "smlabb", "smlabt", "smlatb", "smlatt",
                 "smlad", "smladx", "smlsd",  "smlsdx", "smlawb", "smlawt", "smuad",  "smuadx",
                 "smusd", "smusdx", "smulbb", "smulbt", "smultb", "smultt", "smulwb", "smulwt",
                 "smmul", "smmulr", "smmla",  "smmlar", "smmls",  "smmlsr", "usad8",  "usada8"}))
    return {"mul"};
  if (is_one_of(base, {"smull", "umull", "smlal", "umlal", "umaal", "smlald", "smlaldx", "smlsld",
                       "smlsldx", "smlalbb", "smlalbt", "smlaltb", "smlaltt"}))
    return {"mul_long"};
  if (is_one_of(base, {"sdiv", "udiv"})) return {"div"};
  if (is_one_of(base, {"le", "letp", "wls", "wlstp", "dls", "dlstp", "lctp", "vctp"}))
    return {"loop"};
  if (base.empty() || base[0] != 'v') return {"alu"};
  // Coprocessor space: the FPU (s and d registers) or Helium (q registers).
  const bool helium_access =  // vldrb, vstrw...: a size letter, not a condition
      base.size() == 5 && (base.rfind("vldr", 0) == 0 || base.rfind("vstr", 0) == 0) &&
      std::string("bhwd").find(base[4]) != std::string::npos;
  const bool predication = base.rfind("vp", 0) == 0 && base != "vpush" && base != "vpop";
  const bool vector = has_q_register(operands) || predication || helium_access ||
                      base.rfind("vld2", 0) == 0 || base.rfind("vld4", 0) == 0 ||
                      base.rfind("vst2", 0) == 0 || base.rfind("vst4", 0) == 0;
  const bool load = base.rfind("vld", 0) == 0 || base == "vpop";
  const bool store = base.rfind("vst", 0) == 0 || base == "vpush";
  if (vector && load) return {"mve_load"};
  if (vector && store) return {"mve_store"};
  if (load) return {"fp_load"};
  if (store) return {"fp_store"};
  if (is_one_of(base, {"vdiv", "vsqrt"})) return {"fp_div"};
  // Moves and duplicates to or from vector lanes are coprocessor-11 encodings.
  if (vector && (base.rfind("vmov", 0) == 0 || base.rfind("vdup", 0) == 0))
    return {"fp", "mve_int", "mve_mul"};
  if (vector) return {"mve_int", "mve_mul"};
  return {"fp"};
}

std::map<std::string, uint64_t> mix_from_histogram(const std::string& path,
                                                   uint32_t registers_per_multiple) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::kFileNotFound, fmt::format("cannot open '{}'", path));
  std::map<std::string, uint64_t> mix;
  std::string line;
  std::getline(in, line);  // the header
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string mnemonic, count_text, taken_text;
    uint64_t count = 0, taken = 0;
    try {
      if (!std::getline(fields, mnemonic, ',') || !std::getline(fields, count_text, ',') ||
          !std::getline(fields, taken_text))
        throw std::invalid_argument(line);
      count = std::stoull(count_text);
      taken = std::stoull(taken_text);
    } catch (const std::logic_error&) {
      throw Error(ErrorKind::kBadInput,
                  fmt::format("{}:{}: not 'mnemonic,count,taken': '{}'", path, number, line));
    }
    const std::string cls = mnemonic_classes(mnemonic).front();
    const std::string base = mnemonic.substr(0, mnemonic.find('.'));
    const bool dual = base == "ldrd" || base == "strd";
    if (cls == "load_multiple" && taken > 0) {  // a return: POP {.., pc}
      mix["load_pc"] += taken;
      mix["load_multiple"] += count - taken;
    } else {
      mix[cls] += count;
    }
    if (cls == "load_multiple" || cls == "store_multiple")
      mix["registers"] += count * (dual ? 2 : registers_per_multiple);
    const bool branches =
        cls == "branch" || cls == "load_multiple" || cls == "table_branch" || cls == "load_pc";
    if (branches) mix["taken"] += taken;
    mix["instructions"] += count;
  }
  return mix;
}

}  // namespace kiln
