#include "compiler/codegen/cpp_emitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "compiler/common/error.h"
#include "compiler/lower/lowering.h"
#include "compiler/target/cores.h"
#include "kiln/kernels.h"

namespace kiln {
namespace {

struct KernelSymbol {
  OpCode opcode;
  const char* function;
  const char* params_type;
};

// The kernel each opcode calls, from the kernel list.
constexpr KernelSymbol kKernelSymbols[] = {
#define KILN_KERNEL_SYMBOL(name, number, params, sizes, isa, kernel) \
  {OpCode::name, "kiln::" #isa "::" #kernel, "kiln::" #params},
    KILN_OPCODES(KILN_KERNEL_SYMBOL)
#undef KILN_KERNEL_SYMBOL
};

const KernelSymbol& kernel_symbol(OpCode opcode) {
  for (const KernelSymbol& k : kKernelSymbols) {
    if (k.opcode == opcode) return k;
  }
  throw Error(ErrorKind::kUnsupported,
              fmt::format("no kernel for opcode {}", static_cast<int>(opcode)));
}

const char* c_type(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: return "float";
    case KILN_DTYPE_INT8: return "int8_t";
    case KILN_DTYPE_INT16: return "int16_t";
    case KILN_DTYPE_INT32: return "int32_t";
    case KILN_DTYPE_INT64: return "int64_t";
    case KILN_DTYPE_UINT8: return "uint8_t";
    case KILN_DTYPE_BOOL: return "uint8_t";
    case KILN_DTYPE_UINT32: return "uint32_t";
    case KILN_DTYPE_UINT64: return "uint64_t";
    default: return "uint8_t";
  }
}

const char* dtype_enumerator(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_FLOAT32: return "KILN_DTYPE_FLOAT32";
    case KILN_DTYPE_INT8: return "KILN_DTYPE_INT8";
    case KILN_DTYPE_INT16: return "KILN_DTYPE_INT16";
    case KILN_DTYPE_INT32: return "KILN_DTYPE_INT32";
    case KILN_DTYPE_INT64: return "KILN_DTYPE_INT64";
    case KILN_DTYPE_BOOL: return "KILN_DTYPE_BOOL";
    case KILN_DTYPE_UINT32: return "KILN_DTYPE_UINT32";
    case KILN_DTYPE_UINT64: return "KILN_DTYPE_UINT64";
    default: return "KILN_DTYPE_UINT8";
  }
}

// A float literal that reads back as exactly `f`.
std::string float_literal(float f) {
  if (std::isnan(f)) return "__builtin_nanf(\"\")";
  if (std::isinf(f)) return f > 0 ? "__builtin_inff()" : "(-__builtin_inff())";
  std::string s = fmt::format("{}", f);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

// The elements of a constant tensor, comma-separated, several per line.
std::string array_body(const ProgramTensor& t) {
  const size_t size = kiln_dtype_size(t.dtype);
  const size_t count = t.data.size() / size;
  const size_t per_line = size == 1 ? 24 : 8;
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* p = t.data.data() + i * size;
    std::string v;
    switch (t.dtype) {
      case KILN_DTYPE_FLOAT32: {
        float f;
        std::memcpy(&f, p, 4);
        v = float_literal(f);
        break;
      }
      case KILN_DTYPE_INT8: v = fmt::format("{}", static_cast<int8_t>(*p)); break;
      case KILN_DTYPE_INT16: {
        int16_t x;
        std::memcpy(&x, p, 2);
        v = fmt::format("{}", x);
        break;
      }
      case KILN_DTYPE_INT32: {
        int32_t x;
        std::memcpy(&x, p, 4);
        // INT32_MIN has no literal form.
        v = x == INT32_MIN ? "INT32_MIN" : fmt::format("{}", x);
        break;
      }
      case KILN_DTYPE_INT64: {
        int64_t x;
        std::memcpy(&x, p, 8);
        v = x == INT64_MIN ? "INT64_MIN" : fmt::format("INT64_C({})", x);
        break;
      }
      case KILN_DTYPE_UINT32: {
        uint32_t x;
        std::memcpy(&x, p, 4);
        v = fmt::format("{}u", x);
        break;
      }
      case KILN_DTYPE_UINT64: {
        uint64_t x;
        std::memcpy(&x, p, 8);
        v = fmt::format("UINT64_C({})", x);
        break;
      }
      default: v = fmt::format("{}", *p); break;
    }
    out += (i % per_line == 0 ? "\n    " : " ") + v + ",";
  }
  return out;
}

std::string comment_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out.size() > 100 ? out.substr(0, 97) + "..." : out;
}

std::string upper(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void io_defines(std::string& h, const std::string& prefix, const ProgramTensor& t) {
  h += fmt::format("#define {}_BYTES {}u\n", prefix, t.bytes);
  h += fmt::format("#define {}_DTYPE {}\n", prefix, dtype_enumerator(t.dtype));
  h += fmt::format("#define {}_RANK {}\n", prefix, t.shape.size());
  h += fmt::format("#define {}_SHAPE {{{}}}\n", prefix, fmt::join(t.shape, ", "));
  h += fmt::format("#define {}_SCALE {}\n", prefix, float_literal(t.scale));
  h += fmt::format("#define {}_ZERO_POINT {}\n", prefix, t.zero_point);
}

// The RAM regions' buffers every entry point takes: the arena (region 0),
// then region1, region2, ... for a plan over several regions.
struct RegionArgs {
  size_t count = 1;
  std::string params = "void* arena";  // the parameter list
  std::string const_params = "const void* arena";
  std::string args = "arena";  // the same, forwarded
  // Returns KILN_ERR_BAD_ARGUMENT unless every buffer is non-null and aligned.
  std::string guard = "  if (!arena_ok(arena)) return KILN_ERR_BAD_ARGUMENT;\n";
  std::string ok = "arena_ok(arena)";
  std::string bases = "  uint8_t* const a = static_cast<uint8_t*>(arena);\n";
};

RegionArgs region_args(const MemoryPlan& plan) {
  RegionArgs r;
  r.count = std::max<size_t>(1, plan.region_bytes.size());
  for (size_t i = 1; i < r.count; ++i) {
    r.params += fmt::format(", void* region{}", i);
    r.const_params += fmt::format(", const void* region{}", i);
    r.args += fmt::format(", region{}", i);
    r.ok += fmt::format(" && arena_ok(region{})", i);
    r.bases += fmt::format("  uint8_t* const r{0} = static_cast<uint8_t*>(region{0});\n", i);
  }
  if (r.count > 1) r.guard = fmt::format("  if (!({})) return KILN_ERR_BAD_ARGUMENT;\n", r.ok);
  return r;
}

// The variable an arena tensor's address starts from in generated code.
std::string region_base(const MemoryPlan& plan, int tensor) {
  const int region = plan.regions.empty() ? 0 : plan.regions[static_cast<size_t>(tensor)];
  return region == 0 ? "a" : fmt::format("r{}", region);
}

}  // namespace

std::string identifier_from_path(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  base = base.substr(0, base.find('.'));
  std::string id;
  for (char c : base) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "model_" + id;
  return id;
}

GeneratedSources generate_cpp(const ir::Graph& graph, const Program& p, const MemoryPlan& plan,
                              const std::string& name, const TargetDescription& description) {
  const std::string& target = description.name;
  std::vector<std::string> region_names;
  for (const MemoryRegion& r : description.ram()) region_names.push_back(r.name);
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
          std::string::npos) {
    throw Error(ErrorKind::kUsage, fmt::format("--name '{}' is not a C identifier", name));
  }
  if (description.core != "host") find_core(description.core);
  const RegionArgs regions = region_args(plan);
  for (const ProgramOp& op : p.ops) {
    if (op.placeholder)
      throw Error(ErrorKind::kUnsupported, "the model has ops kiln cannot compile");
  }
  const std::string NAME = upper(name);

  uint64_t weight_bytes = 0;
  std::map<int, std::string> constants;  // program tensor -> array name
  std::string data;
  auto operand = [&](int t) -> std::string {
    if (t < 0) return "nullptr";
    const ProgramTensor& pt = p.tensors[static_cast<size_t>(t)];
    if (!pt.constant) {
      return fmt::format("{} + {}", region_base(plan, t), plan.offsets[static_cast<size_t>(t)]);
    }
    auto it = constants.find(t);
    if (it != constants.end()) return it->second;
    const std::string array = fmt::format("kTensor{}", t);
    data += fmt::format(
        "// {} {} {}\nalignas(16) const {} {}[{}] = {{{}\n}};\n\n", comment_safe(pt.name),
        ir::dtype_name(pt.dtype), ir::shape_string(pt.shape), c_type(pt.dtype), array,
        pt.data.size() / std::max<uint32_t>(1, kiln_dtype_size(pt.dtype)), array_body(pt));
    weight_bytes += pt.data.size();
    constants.emplace(t, array);
    return array;
  };

  // A loop's BRANCH ops become gotos to labels before their targets.
  std::set<size_t> targets;
  for (const ProgramOp& op : p.ops) {
    if (op.opcode == OpCode::BRANCH && branch_params(op).if_false != kBranchEndIfFalse)
      targets.insert(branch_target(op));
  }
  auto label = [](size_t op) { return fmt::format("op{}", op); };
  std::string params, calls;
  bool gated = false;  // a streaming pipeline: its gates can end an invoke without outputs
  for (size_t i = 0; i < p.ops.size(); ++i) {
    const ProgramOp& op = p.ops[i];
    const ir::Op& source = graph.ops[static_cast<size_t>(op.source_op)];
    if (targets.count(i)) calls += label(i) + ":\n";
    if (op.opcode == OpCode::BRANCH) {
      const BranchParams branch = branch_params(op);
      if (branch.if_false == kBranchEndIfFalse) {
        gated = true;
        calls += fmt::format(
            "  if (!*({})) {{  // {} {}: no outputs this time\n"
            "    if (outputs_written) *outputs_written = 0;\n    return KILN_OK;\n  }}\n",
            operand(op.inputs[0]), i, source.type_name);
        continue;
      }
      calls +=
          branch.if_false
              ? fmt::format("  if (!*({})) goto {};  // {} {}\n", operand(op.inputs[0]),
                            label(branch.target), i, source.type_name)
              : fmt::format("  goto {};  // {} {}\n", label(branch.target), i, source.type_name);
      continue;
    }
    const KernelSymbol& k = kernel_symbol(op.opcode);
    std::vector<uint32_t> words(op.params.size() / 4);
    std::memcpy(words.data(), op.params.data(), words.size() * 4);
    std::vector<std::string> hex;
    for (uint32_t w : words) hex.push_back(fmt::format("0x{:08x}u", w));
    params += fmt::format(
        "constexpr {} kParams{} = __builtin_bit_cast({}, kiln::ParamWords<{}>{{{{{}}}}});\n",
        k.params_type, i, k.params_type, words.size(), fmt::join(hex, ", "));
    std::vector<std::string> ins, outs;
    for (int t : op.inputs) ins.push_back(operand(t));
    for (int t : op.outputs) outs.push_back(operand(t));
    calls += fmt::format(
        "  {{  // {} {}: {}\n    const void* const in[] = {{{}}};\n    void* const out[] = "
        "{{{}}};\n"
        "    {}(&kParams{}, in, out);\n  }}\n",
        i, source.type_name,
        source.outputs.empty()
            ? std::string("(no output)")
            : comment_safe(graph.tensors[static_cast<size_t>(source.outputs[0])].name),
        fmt::join(ins, ", "), fmt::join(outs, ", "), k.function, i);
  }
  const int64_t macs = total_macs(graph);

  // The state region's reset: each persistent tensor's value, or zeros.
  std::string reset;
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    const ProgramTensor& pt = p.tensors[t];
    if (!pt.persistent || plan.offsets[t] < 0) continue;
    if (pt.data.empty()) {
      reset += fmt::format("  memset(a + {}, 0, {});\n", plan.offsets[t], pt.bytes);
      continue;
    }
    data += fmt::format("// reset value of {}\nalignas(16) const {} kReset{}[{}] = {{{}\n}};\n\n",
                        comment_safe(pt.name), c_type(pt.dtype), t,
                        pt.data.size() / std::max<uint32_t>(1, kiln_dtype_size(pt.dtype)),
                        array_body(pt));
    reset += fmt::format("  memcpy(a + {}, kReset{}, {});\n", plan.offsets[t], t, pt.bytes);
  }

  std::vector<std::string> input_offsets, output_offsets, input_regions, output_regions;
  auto region_of = [&](int t) {
    return plan.regions.empty() ? 0 : plan.regions[static_cast<size_t>(t)];
  };
  for (int t : p.inputs) {
    input_offsets.push_back(fmt::format("{}u", plan.offsets[static_cast<size_t>(t)]));
    input_regions.push_back(fmt::format("{}", region_of(t)));
  }
  for (int t : p.outputs) {
    output_offsets.push_back(fmt::format("{}u", plan.offsets[static_cast<size_t>(t)]));
    output_regions.push_back(fmt::format("{}", region_of(t)));
  }

  GeneratedSources g;
  std::string& h = g.header;
  h += fmt::format("/* {}: generated by `kiln compile` for {}. Do not edit. */\n", name, target);
  h += fmt::format("#ifndef {0}_H\n#define {0}_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n",
                   NAME);
  h += "#include \"kiln/status.h\"\n#include \"kiln/types.h\"\n\n";
  if (regions.count == 1) {
    h += "/* Working memory: pass a 16-byte aligned buffer of this size to every call. */\n";
    h += fmt::format("#define {}_ARENA_BYTES {}u\n", NAME, plan.arena_bytes);
  } else {
    h += fmt::format(
        "/* Working memory in {} RAM regions: pass a 16-byte aligned buffer of each\n"
        " * size, in this order, to every call (arena, region1, ...). */\n",
        regions.count);
    for (size_t r = 0; r < regions.count; ++r) {
      h += fmt::format("#define {}_{}_BYTES {}u /* {} */\n", NAME,
                       r == 0 ? std::string("ARENA") : fmt::format("REGION{}", r),
                       plan.region_bytes[r], region_names.empty() ? "" : region_names[r]);
    }
  }
  h += fmt::format("#define {}_NUM_REGIONS {}\n", NAME, regions.count);
  h += "/* State kept between invokes (recurrent layers, variables): the arena's\n"
       " * first bytes. Call the _reset function before the first invoke and to\n"
       " * restart. */\n";
  h += fmt::format("#define {}_STATE_BYTES {}u\n", NAME, plan.state_bytes);
  h += fmt::format("#define {}_WEIGHTS_BYTES {}u\n", NAME, weight_bytes);
  h += fmt::format("#define {}_MACS {}u\n", NAME, macs);
  h += fmt::format("#define {}_NUM_INPUTS {}\n#define {}_NUM_OUTPUTS {}\n\n", NAME, p.inputs.size(),
                   NAME, p.outputs.size());
  for (size_t i = 0; i < p.inputs.size(); ++i)
    io_defines(h, fmt::format("{}_INPUT{}", NAME, i), p.tensors[static_cast<size_t>(p.inputs[i])]);
  for (size_t i = 0; i < p.outputs.size(); ++i)
    io_defines(h, fmt::format("{}_OUTPUT{}", NAME, i),
               p.tensors[static_cast<size_t>(p.outputs[i])]);
  h += "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += fmt::format(
      "/* Where input `index` lives in the arena: write it before every invoke\n"
      " * (the model may reuse its bytes). Null for a bad index or arena. */\n"
      "void* {0}_input({3}, uint32_t index);\n\n"
      "/* Where output `index` lives in the arena, valid until the next invoke. */\n"
      "const void* {0}_output({4}, uint32_t index);\n\n"
      "/* Bytes of input/output `index`; 0 for a bad index. */\n"
      "uint32_t {0}_input_bytes(uint32_t index);\n"
      "uint32_t {0}_output_bytes(uint32_t index);\n\n"
      "/* Runs one inference. KILN_ERR_BAD_ARGUMENT for a null or misaligned arena. */\n"
      "kiln_status {0}_invoke({3});\n\n"
      "{2}"
      "/* Puts the state region back to its reset value (nothing to do when\n"
      " * {1}_STATE_BYTES is 0). */\n"
      "kiln_status {0}_reset({3});\n\n",
      name, NAME,
      gated ? fmt::format("/* A streaming pipeline: input 0 is the next block of samples. Like\n"
                          " * {0}_invoke; *outputs_written (if not null) is 1 when the outputs\n"
                          " * are new, 0 when no frame or window was complete yet. */\n"
                          "kiln_status {0}_invoke_stream({1}, uint32_t* "
                          "outputs_written);\n\n",
                          name, regions.params)
            : std::string(),
      regions.params, regions.const_params);
  h += "#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n";
  h += fmt::format("#endif /* {}_H */\n", NAME);

  std::string& s = g.source;
  s += fmt::format("// {}: generated by `kiln compile` for {}. Do not edit.\n", name, target);
  s += fmt::format(
      "#include \"{}.h\"\n\n#include <string.h>\n\n#include \"kiln/generated.h\"\n\nnamespace "
      "{{\n\n",
      name);
  s += data;
  s += params;
  s += fmt::format("\nconstexpr uint32_t kInputOffsets[] = {{{}}};\n",
                   input_offsets.empty() ? "0" : fmt::format("{}", fmt::join(input_offsets, ", ")));
  s += fmt::format(
      "constexpr uint32_t kOutputOffsets[] = {{{}}};\n",
      output_offsets.empty() ? "0" : fmt::format("{}", fmt::join(output_offsets, ", ")));
  if (regions.count > 1) {
    s += fmt::format(
        "constexpr uint8_t kInputRegions[] = {{{}}};\n",
        input_regions.empty() ? "0" : fmt::format("{}", fmt::join(input_regions, ", ")));
    s += fmt::format(
        "constexpr uint8_t kOutputRegions[] = {{{}}};\n",
        output_regions.empty() ? "0" : fmt::format("{}", fmt::join(output_regions, ", ")));
  }
  std::vector<std::string> input_bytes, output_bytes;
  for (int t : p.inputs)
    input_bytes.push_back(fmt::format("{}u", p.tensors[static_cast<size_t>(t)].bytes));
  for (int t : p.outputs)
    output_bytes.push_back(fmt::format("{}u", p.tensors[static_cast<size_t>(t)].bytes));
  s += fmt::format("constexpr uint32_t kInputBytes[] = {{{}}};\n",
                   input_bytes.empty() ? "0" : fmt::format("{}", fmt::join(input_bytes, ", ")));
  s += fmt::format("constexpr uint32_t kOutputBytes[] = {{{}}};\n\n",
                   output_bytes.empty() ? "0" : fmt::format("{}", fmt::join(output_bytes, ", ")));
  s += "bool arena_ok(const void* arena) { return arena != nullptr && "
       "(reinterpret_cast<uintptr_t>(arena) & 15u) == 0; }\n\n";
  s += "}  // namespace\n\n";
  if (regions.count == 1) {
    s += fmt::format(
        "extern \"C\" void* {0}_input(void* arena, uint32_t index) {{\n"
        "  return arena_ok(arena) && index < {1} ? static_cast<uint8_t*>(arena) + "
        "kInputOffsets[index] : nullptr;\n}}\n\n"
        "extern \"C\" const void* {0}_output(const void* arena, uint32_t index) {{\n"
        "  return arena_ok(arena) && index < {2} ? static_cast<const uint8_t*>(arena) + "
        "kOutputOffsets[index] : nullptr;\n}}\n\n",
        name, p.inputs.size(), p.outputs.size());
  } else {
    // Each input and output in its region: the bases in region order.
    std::vector<std::string> bases;
    for (size_t r = 0; r < regions.count; ++r) {
      bases.push_back(r == 0 ? "arena" : fmt::format("region{}", r));
    }
    s += fmt::format(
        "extern \"C\" void* {0}_input({3}, uint32_t index) {{\n"
        "  void* const bases[] = {{{5}}};\n"
        "  return {4} && index < {1} ? static_cast<uint8_t*>(bases[kInputRegions[index]]) + "
        "kInputOffsets[index] : nullptr;\n}}\n\n"
        "extern \"C\" const void* {0}_output({6}, uint32_t index) {{\n"
        "  const void* const bases[] = {{{5}}};\n"
        "  return {4} && index < {2} ? static_cast<const uint8_t*>(bases[kOutputRegions[index]]) + "
        "kOutputOffsets[index] : nullptr;\n}}\n\n",
        name, p.inputs.size(), p.outputs.size(), regions.params, regions.ok, fmt::join(bases, ", "),
        regions.const_params);
  }
  s += fmt::format(
      "extern \"C\" uint32_t {0}_input_bytes(uint32_t index) {{ return index < {1} ? "
      "kInputBytes[index] : 0; }}\n\n"
      "extern \"C\" uint32_t {0}_output_bytes(uint32_t index) {{ return index < {2} ? "
      "kOutputBytes[index] : 0; }}\n\n",
      name, p.inputs.size(), p.outputs.size());
  s += gated ? fmt::format(
                   "extern \"C\" kiln_status {}_invoke_stream({}, uint32_t* "
                   "outputs_written) {{\n",
                   name, regions.params)
             : fmt::format("extern \"C\" kiln_status {}_invoke({}) {{\n", name, regions.params);
  s += regions.guard;
  s += regions.bases;
  s += calls;
  if (targets.count(p.ops.size())) s += label(p.ops.size()) + ":\n";
  if (gated) s += "  if (outputs_written) *outputs_written = 1;\n";
  s += "  return KILN_OK;\n}\n\n";
  if (gated) {
    s += fmt::format(
        "extern \"C\" kiln_status {0}_invoke({1}) {{ return {0}_invoke_stream({2}, "
        "nullptr); }}\n\n",
        name, regions.params, regions.args);
  }
  s += fmt::format("extern \"C\" kiln_status {}_reset({}) {{\n", name, regions.params);
  s += regions.guard;
  s += reset.empty() ? "" : "  uint8_t* const a = static_cast<uint8_t*>(arena);\n";
  s += reset;
  s += "  return KILN_OK;\n}\n";

  g.cmake = fmt::format(
      "# {0}: generated by `kiln compile` for {1}. Do not edit.\n"
      "# add_subdirectory() this folder from a project that has kiln (add_subdirectory\n"
      "# or find_package(kiln)), then link the `{0}` target.\n"
      "cmake_minimum_required(VERSION 3.20)\n"
      "if(NOT TARGET kiln::runtime)\n  find_package(kiln REQUIRED)\nendif()\n"
      "add_library({0} STATIC {0}.cc)\n"
      "target_include_directories({0} PUBLIC ${{CMAKE_CURRENT_SOURCE_DIR}})\n"
      "target_link_libraries({0} PUBLIC kiln::runtime)\n"
      "target_compile_features({0} PRIVATE cxx_std_17)\n",
      name, target);
  return g;
}

}  // namespace kiln
