// kiln-runner: firmware that runs a .kiln blob on an emulated Cortex-M core.
//
// Command line (semihosting): BLOB [-i INPUT]... [-o OUTPUT]... [--layers]
// The blob is read into the flash left after the runtime, inputs straight
// into the arena; outputs are written back to host files. It reports, one
// "kiln: key=value" line each, the instructions per inference (and per op
// with --layers), the arena, static RAM and peak stack, so that the host
// tool can state the model's cost on this core.
#include <stdint.h>
#include <string.h>

#include "cost_counter.h"
#include "kiln/executor.h"
#include "semihosting.h"

extern "C" uint32_t stack_peak_bytes(void);
extern "C" uint8_t __model_start[], __model_end[], __arena_start[], __arena_end[];
extern "C" uint8_t __data_start[], __data_end[], __bss_start[], __bss_end[];
extern "C" uint8_t __flash_start[], __flash_used_end[];

namespace {

constexpr int kExitBadModel = 3;
constexpr int kExitBadInput = 5;
constexpr int kExitNoRoom = 6;
constexpr int kExitUsage = 1;
constexpr int kMaxFiles = 8;

char g_command_line[1024];

void put(const char* s) { sh_write(s); }

void put_u64(uint64_t v) {
  char text[24];
  int n = 0;
  do {
    text[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  char out[24];
  for (int i = 0; i < n; ++i) out[i] = text[n - 1 - i];
  out[n] = 0;
  put(out);
}

void report(const char* key, uint64_t value) {
  put("kiln: ");
  put(key);
  put("=");
  put_u64(value);
  put("\n");
}

[[noreturn]] void fail(int status, const char* what, const char* detail = nullptr) {
  put("kiln-runner: error: ");
  put(what);
  if (detail) put(detail);
  put("\n");
  sh_exit(status);
}

// Reads the whole file into buffer; returns its size, or fails naming it.
size_t read_into(const char* path, uint8_t* buffer, size_t capacity, size_t exact, int too_big_status) {
  const int h = sh_open(path, 0);
  if (h < 0) fail(2, "cannot open ", path);
  const long size = sh_file_length(h);
  if (size < 0) fail(2, "cannot read ", path);
  if (exact && static_cast<size_t>(size) != exact) {
    put("kiln-runner: error: ");
    put(path);
    put(" is ");
    put_u64(static_cast<uint64_t>(size));
    put(" bytes but the model's input needs ");
    put_u64(exact);
    put("\n");
    sh_exit(kExitBadInput);
  }
  if (static_cast<size_t>(size) > capacity) {
    put("kiln-runner: error: ");
    put(path);
    put(" needs ");
    put_u64(static_cast<uint64_t>(size));
    put(" bytes, the target has ");
    put_u64(capacity);
    put(" free\n");
    sh_exit(too_big_status);
  }
  if (sh_read(h, buffer, static_cast<size_t>(size)) != static_cast<size_t>(size)) fail(2, "short read of ", path);
  sh_close(h);
  return static_cast<size_t>(size);
}

struct Args {
  const char* blob = nullptr;
  const char* inputs[kMaxFiles];
  const char* outputs[kMaxFiles];
  int num_inputs = 0, num_outputs = 0;
  bool layers = false;
};

Args parse_args() {
  if (sh_command_line(g_command_line, sizeof(g_command_line)) != 0) fail(kExitUsage, "no command line");
  Args args;
  char* p = g_command_line;
  const char* pending = nullptr;
  bool first = true;
  while (*p) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    char* token = p;
    while (*p && *p != ' ') ++p;
    if (*p) *p++ = 0;
    if (first) {  // the program name
      first = false;
      continue;
    }
    if (pending) {
      if (pending[1] == 'i' && args.num_inputs < kMaxFiles) args.inputs[args.num_inputs++] = token;
      if (pending[1] == 'o' && args.num_outputs < kMaxFiles) args.outputs[args.num_outputs++] = token;
      pending = nullptr;
    } else if (!strcmp(token, "-i") || !strcmp(token, "-o")) {
      pending = token;
    } else if (!strcmp(token, "--layers")) {
      args.layers = true;
    } else {
      args.blob = token;
    }
  }
  if (!args.blob) fail(kExitUsage, "usage: kiln-runner BLOB [-i INPUT]... [-o OUTPUT]... [--layers]");
  return args;
}

void load_inputs(const Args& args, kiln::Executor& ex) {
  for (uint32_t i = 0; i < ex.num_inputs(); ++i) {
    const uint32_t bytes = ex.tensor_bytes(ex.input_info(i)->tensor);
    uint8_t* data = static_cast<uint8_t*>(ex.input_data(i));
    if (static_cast<int>(i) < args.num_inputs) {
      read_into(args.inputs[i], data, bytes, bytes, kExitBadInput);
    } else {
      memset(data, 0, bytes);
    }
  }
}

struct LayerCounter {
  uint64_t start;
};

void on_op(void* context, uint32_t index, kiln::OpCode opcode, bool begin) {
  LayerCounter* c = static_cast<LayerCounter*>(context);
  if (begin) {
    c->start = cost_counter_now();
    return;
  }
  const uint64_t insns = cost_counter_elapsed(c->start);
  put("kiln: layer=");
  put_u64(index);
  put(" opcode=");
  put_u64(static_cast<uint64_t>(opcode));
  put(" instructions=");
  put_u64(insns);
  put("\n");
}

}  // namespace

int main() {
  const Args args = parse_args();
  const size_t flash_free = static_cast<size_t>(__model_end - __model_start);
  const size_t arena_free = static_cast<size_t>(__arena_end - __arena_start);
  const size_t blob_bytes = read_into(args.blob, __model_start, flash_free, 0, kExitNoRoom);

  uint32_t arena_bytes = 0;
  kiln_status st = kiln::Executor::required_arena_bytes(__model_start, blob_bytes, &arena_bytes);
  if (st != KILN_OK) fail(kExitBadModel, "cannot load model: ", kiln_status_string(st));
  if (arena_bytes > arena_free) {
    put("kiln-runner: error: the model's arena needs ");
    put_u64(arena_bytes);
    put(" bytes, the target has ");
    put_u64(arena_free);
    put(" bytes of RAM free\n");
    sh_exit(kExitNoRoom);
  }
  kiln::Executor ex;
  st = ex.init(__model_start, blob_bytes, __arena_start, arena_bytes);
  if (st != KILN_OK) fail(kExitBadModel, "cannot load model: ", kiln_status_string(st));

  cost_counter_start();
  load_inputs(args, ex);
  const uint64_t start = cost_counter_now();
  ex.invoke();
  const uint64_t instructions = cost_counter_elapsed(start);

  for (uint32_t i = 0; i < ex.num_outputs() && static_cast<int>(i) < args.num_outputs; ++i) {
    const int h = sh_open(args.outputs[i], 1);
    if (h < 0) fail(2, "cannot write ", args.outputs[i]);
    const uint32_t bytes = ex.tensor_bytes(ex.output_info(i)->tensor);
    sh_write_file(h, ex.output_data(i), bytes);
    sh_close(h);
  }

  if (args.layers) {
    LayerCounter counter{0};
    load_inputs(args, ex);
    ex.set_observer(on_op, &counter);
    ex.invoke();
    ex.set_observer(nullptr, nullptr);
  }

  report("instructions", instructions);
  report("counter_overhead", cost_counter_read_overhead());
  report("arena_bytes", arena_bytes);
  report("model_flash_bytes", blob_bytes);
  report("static_ram_bytes", static_cast<uint64_t>((__data_end - __data_start) + (__bss_end - __bss_start)));
  report("stack_bytes", stack_peak_bytes());
  report("runtime_flash_bytes", static_cast<uint64_t>(__flash_used_end - __flash_start));
  return 0;
}
