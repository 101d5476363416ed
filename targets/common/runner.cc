// kiln-runner: firmware that runs a .kiln blob on an emulated Cortex-M core.
//
// Command line (semihosting): BLOB [-i INPUT]... [-o OUTPUT]... [-s STATE_IN]
// [-S STATE_OUT] [--layers]
// The blob is read into the flash left after the runtime, inputs straight
// into the arena; outputs are written back to host files. It reports, one
// "kiln: key=value" line each, the instructions per inference (and per op
// with --layers), the arena, static RAM and peak stack, so that the host
// tool can state the model's cost on this core.
#include <stdint.h>
#include <string.h>

#include "cost_counter.h"
#include "firmware_io.h"
#include "kiln/executor.h"
#include "semihosting.h"

extern "C" uint32_t stack_peak_bytes(void);
extern "C" uint8_t __model_start[], __model_end[], __arena_start[], __arena_end[];
// The board's second RAM region, if it has one (a Cortex-M7's SRAM beside
// its DTCM); empty otherwise.
extern "C" uint8_t __arena1_start[], __arena1_end[];

// Markers for kiln's QEMU profiling plugin (tools/qemu_profile), which
// counts instructions by class from a call of the first to a call of the
// second. Never inlined, so that each is one call to an address in the
// symbol table; the stores keep the two bodies (and addresses) apart. They
// sit outside the instruction counter's window, which they do not change.
static volatile uint32_t g_profile_marker;
extern "C" __attribute__((noinline)) void kiln_profile_begin(void) { g_profile_marker = 1; }
extern "C" __attribute__((noinline)) void kiln_profile_end(void) { g_profile_marker = 2; }

namespace {

using namespace kiln::firmware;

void load_inputs(const Args& args, kiln::Executor& ex) {
  for (uint32_t i = 0; i < ex.num_inputs(); ++i) {
    const uint32_t bytes = ex.tensor_bytes(ex.input_info(i)->tensor);
    uint8_t* data = static_cast<uint8_t*>(ex.input_data(i));
    if (static_cast<int>(i) < args.num_inputs) {
      read_file(args.inputs[i], data, bytes, bytes, kExitBadInput);
    } else {
      memset(data, 0, bytes);
    }
  }
}

// A stateful model starts from the state the host kept (or its reset value).
void load_state(const Args& args, kiln::Executor& ex) {
  ex.reset_state();
  if (args.state_in)
    read_file(args.state_in, __arena_start, ex.state_bytes(), ex.state_bytes(), kExitBadInput);
}

struct LayerCounter {
  uint64_t start;
};

void on_op(void* context, uint32_t index, kiln::OpCode opcode, bool begin) {
  LayerCounter* c = static_cast<LayerCounter*>(context);
  if (begin) {
    kiln_profile_begin();
    c->start = cost_counter_now();
    return;
  }
  const uint64_t insns = cost_counter_elapsed(c->start);
  kiln_profile_end();
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
  if (!args.model)
    fail(kExitUsage, "usage: kiln-runner BLOB [-i INPUT]... [-o OUTPUT]... [--layers]");
  const size_t flash_free = static_cast<size_t>(__model_end - __model_start);
  const size_t arena_free = static_cast<size_t>(__arena_end - __arena_start);
  const size_t blob_bytes = read_file(args.model, __model_start, flash_free, 0, kExitNoRoom);

  const kiln::RegionBuffer free_regions[] = {
      {__arena_start, arena_free},
      {__arena1_start, static_cast<size_t>(__arena1_end - __arena1_start)}};
  constexpr uint32_t kBoardRegions = sizeof(free_regions) / sizeof(free_regions[0]);
  uint32_t num_regions = 0;
  kiln_status st = kiln::Executor::required_regions(__model_start, blob_bytes, &num_regions);
  if (st != KILN_OK) fail(kExitBadModel, "cannot load model: ", kiln_status_string(st));
  uint32_t region_bytes[kBoardRegions] = {};
  for (uint32_t r = 0; r < num_regions; ++r) {
    if (r < kBoardRegions)
      kiln::Executor::required_region_bytes(__model_start, blob_bytes, r, &region_bytes[r]);
    if (r >= kBoardRegions || region_bytes[r] > free_regions[r].bytes) {
      put("kiln-runner: error: the model's RAM region ");
      put_u64(r);
      put(" needs ");
      put_u64(r < kBoardRegions ? region_bytes[r] : 0);
      put(" bytes, the target has ");
      put_u64(r < kBoardRegions ? free_regions[r].bytes : 0);
      put(" bytes free there\n");
      sh_exit(kExitNoRoom);
    }
  }
  const uint32_t arena_bytes = region_bytes[0];
  kiln::Executor ex;
  st = ex.init(__model_start, blob_bytes, free_regions, num_regions);
  if (st != KILN_OK) fail(kExitBadModel, "cannot load model: ", kiln_status_string(st));

  load_state(args, ex);
  load_inputs(args, ex);
  // Started after everything whose instruction count depends on the command
  // line (file names), so that the counter's wrap interrupts land at the same
  // points of the inference on every run, and the peak stack they add with them.
  cost_counter_start();
  kiln_profile_begin();
  const uint64_t start = cost_counter_now();
  ex.invoke();
  const uint64_t instructions = cost_counter_elapsed(start);
  kiln_profile_end();
  const bool outputs_written = ex.outputs_written();
  for (uint32_t i = 0; i < ex.num_outputs() && static_cast<int>(i) < args.num_outputs; ++i) {
    write_file(args.outputs[i], ex.output_data(i), ex.tensor_bytes(ex.output_info(i)->tensor));
  }

  if (args.layers) {
    LayerCounter counter{0};
    load_state(args, ex);
    load_inputs(args, ex);
    ex.set_observer(on_op, &counter);
    ex.invoke();
    ex.set_observer(nullptr, nullptr);
  }

  if (args.state_out) write_file(args.state_out, __arena_start, ex.state_bytes());
  report("instructions", instructions);
  report("outputs_written", outputs_written ? 1 : 0);
  report("counter_overhead", cost_counter_read_overhead());
  report("arena_bytes", arena_bytes);
  report("region1_bytes", region_bytes[1]);
  report("model_flash_bytes", blob_bytes);
  report("static_ram_bytes", static_ram_bytes());
  report("stack_bytes", stack_peak_bytes());
  report("runtime_flash_bytes", image_flash_bytes());
  return 0;
}
