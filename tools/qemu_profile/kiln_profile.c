/* kiln's QEMU TCG plugin: counts the instructions a firmware executes by
 * timing class (instruction_classes.h), with the events the cores' timings
 * depend on (taken branches, loads right after loads or stores, registers moved
 * by multiple transfers, overlapping Helium instructions, data loads from
 * flash and the flash lines they touch), between calls of two marker
 * functions: every call of `begin` opens a segment, the next call of `end`
 * closes it. The firmware calls them around an inference and around each op.
 *
 * Arguments (-plugin kiln_profile.so,key=value,...):
 *   begin=ADDR end=ADDR   the marker functions' addresses (from nm)
 *   flash=LO:HI           the flash address range: data loads there are counted
 *   flash_line=BYTES      the bytes one flash read fetches (a power of two; 8)
 *   flash_cache=BYTES     a direct-mapped cache of such lines in front of the
 *                         flash for data (0: none, only the last line is kept)
 *   out=PATH              where the segments go (default: stderr)
 * Output: a "counters NAME..." line, then one "segment N..." line per segment. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instruction_classes.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* Events counted beside the classes, in the counter array after them. */
#define KILN_PROFILE_EVENTS(X)                                                   \
  X(INSTRUCTIONS, "instructions")                                                \
  X(REGISTERS, "registers")     /* moved by LDM/STM/PUSH/POP/LDRD/VLDM/VSTM */   \
  X(PIPELINED, "pipelined")     /* a single load right after a load or store */  \
  X(TAKEN, "taken")             /* branches that went elsewhere than the next */ \
  X(MVE_OVERLAP, "mve_overlap") /* MVE after MVE on another pipe */              \
  X(FLASH_LOADS, "flash_loads") /* data loads from the flash range */            \
  X(FLASH_LINES, "flash_lines") /* ... that missed the cache: a flash read */

#define EVENT_ENUMERATOR(e, name) EVENT_##e,
enum { KILN_PROFILE_EVENTS(EVENT_ENUMERATOR) EVENT_COUNT };
#undef EVENT_ENUMERATOR
#define COUNTERS (KILN_INSN_CLASS_COUNT + EVENT_COUNT)
#define EVENT(e) (KILN_INSN_CLASS_COUNT + EVENT_##e)

static uint64_t counters[COUNTERS];
static uint64_t segment_start[COUNTERS];
static uint64_t* segments; /* COUNTERS per segment */
static size_t num_segments, segment_capacity;
static int in_segment;

static uint64_t begin_addr = UINT64_MAX, end_addr = UINT64_MAX;
static uint64_t flash_lo, flash_hi;
static unsigned flash_line_shift = 3;
static uint64_t last_flash_line = UINT64_MAX;
static uint64_t* cache_tags; /* line + 1 per entry; 0: empty */
static size_t cache_entries;
static const char* out_path;

/* A translated block: where it starts and ends, whether it ends in a branch. */
struct block {
  uint64_t start, end;
  int ends_in_branch;
  struct block* next; /* every block, to free them at exit */
};
static struct block* blocks;
static const struct block* previous_block;

static void on_block(unsigned int vcpu, void* userdata) {
  (void)vcpu;
  const struct block* b = userdata;
  if (previous_block && previous_block->ends_in_branch && b->start != previous_block->end)
    ++counters[EVENT(TAKEN)];
  previous_block = b;
}

static void on_load(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void* userdata) {
  (void)vcpu, (void)userdata;
  if (qemu_plugin_mem_is_store(info) || vaddr < flash_lo || vaddr >= flash_hi) return;
  ++counters[EVENT(FLASH_LOADS)];
  const uint64_t line = vaddr >> flash_line_shift;
  if (cache_entries) {
    uint64_t* tag = &cache_tags[line % cache_entries];
    if (*tag != line + 1) ++counters[EVENT(FLASH_LINES)];
    *tag = line + 1;
  } else {
    if (line != last_flash_line) ++counters[EVENT(FLASH_LINES)];
    last_flash_line = line;
  }
}

static void on_begin(unsigned int vcpu, void* userdata) {
  (void)vcpu, (void)userdata;
  memcpy(segment_start, counters, sizeof counters);
  in_segment = 1;
}

static void on_end(unsigned int vcpu, void* userdata) {
  (void)vcpu, (void)userdata;
  if (!in_segment) return;
  in_segment = 0;
  if (num_segments == segment_capacity) {
    segment_capacity = segment_capacity ? 2 * segment_capacity : 64;
    uint64_t* grown = realloc(segments, segment_capacity * COUNTERS * sizeof *segments);
    if (!grown) {
      fprintf(stderr, "kiln_profile: out of memory\n");
      exit(1);
    }
    segments = grown;
  }
  uint64_t* s = segments + num_segments++ * COUNTERS;
  for (size_t i = 0; i < COUNTERS; ++i) s[i] = counters[i] - segment_start[i];
}

static int is_memory_access(enum kiln_insn_class c) {
  return c == KILN_INSN_LOAD || c == KILN_INSN_STORE || c == KILN_INSN_LOAD_MULTIPLE ||
         c == KILN_INSN_STORE_MULTIPLE || c == KILN_INSN_FP_LOAD || c == KILN_INSN_FP_STORE;
}

static int reads_data(enum kiln_insn_class c) {
  return c == KILN_INSN_LOAD || c == KILN_INSN_LOAD_MULTIPLE || c == KILN_INSN_FP_LOAD ||
         c == KILN_INSN_MVE_LOAD || c == KILN_INSN_LOAD_PC || c == KILN_INSN_TABLE_BRANCH;
}

static void add(struct qemu_plugin_insn* insn, size_t counter, uint64_t n) {
  qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &counters[counter],
                                             n);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  struct block* b = calloc(1, sizeof *b);
  if (!b) return;
  b->start = qemu_plugin_tb_vaddr(tb);
  b->next = blocks;
  blocks = b;
  int previous_was_memory = 0, previous_pipe = -1;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint8_t* bytes = qemu_plugin_insn_data(insn);
    const uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
    const uint16_t hw1 = (uint16_t)(bytes[0] | bytes[1] << 8);
    const uint16_t hw2 = kiln_insn_is_32bit(hw1) ? (uint16_t)(bytes[2] | bytes[3] << 8) : 0;
    const struct kiln_insn k = kiln_classify_insn(hw1, hw2);

    if (vaddr == begin_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (vaddr == end_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
    add(insn, k.cls, 1);
    add(insn, EVENT(INSTRUCTIONS), 1);
    const int memory = is_memory_access(k.cls);
    if (k.registers > 1 || (k.registers && k.cls != KILN_INSN_LOAD && k.cls != KILN_INSN_STORE))
      add(insn, EVENT(REGISTERS), k.registers);
    if (k.cls == KILN_INSN_LOAD && previous_was_memory) add(insn, EVENT(PIPELINED), 1);
    const int pipe = kiln_insn_mve_pipe(k.cls);
    if (pipe >= 0 && previous_pipe >= 0 && pipe != previous_pipe) add(insn, EVENT(MVE_OVERLAP), 1);
    /* Asked for every access and filtered: QEMU 7.2 calls a MEM_R callback
     * for stores only. */
    if (flash_hi > flash_lo && reads_data(k.cls))
      qemu_plugin_register_vcpu_mem_cb(insn, on_load, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                       NULL);
    previous_was_memory = memory;
    previous_pipe = pipe;
    if (i + 1 == n) {
      /* The length comes from the encoding: QEMU 7.2 reports 2 bytes too
       * many for an instruction just before a page boundary. */
      b->end = vaddr + k.bytes;
      b->ends_in_branch = k.cls == KILN_INSN_BRANCH || k.cls == KILN_INSN_LOAD_PC ||
                          k.cls == KILN_INSN_TABLE_BRANCH;
    }
  }
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS, b);
}

static const char* counter_name(size_t i) {
#define EVENT_NAME(e, name) name,
  static const char* const events[] = {KILN_PROFILE_EVENTS(EVENT_NAME)};
#undef EVENT_NAME
  return i < KILN_INSN_CLASS_COUNT ? kiln_insn_class_name((enum kiln_insn_class)i)
                                   : events[i - KILN_INSN_CLASS_COUNT];
}

static void on_exit_qemu(qemu_plugin_id_t id, void* userdata) {
  (void)id, (void)userdata;
  FILE* out = out_path ? fopen(out_path, "w") : stderr;
  if (!out) {
    fprintf(stderr, "kiln_profile: cannot write %s\n", out_path);
  } else {
    fputs("counters", out);
    for (size_t i = 0; i < COUNTERS; ++i) fprintf(out, " %s", counter_name(i));
    fputc('\n', out);
    for (size_t s = 0; s < num_segments; ++s) {
      fputs("segment", out);
      for (size_t i = 0; i < COUNTERS; ++i) fprintf(out, " %" PRIu64, segments[s * COUNTERS + i]);
      fputc('\n', out);
    }
    if (out != stderr) fclose(out);
  }
  free(segments);
  free(cache_tags);
  while (blocks) {
    struct block* next = blocks->next;
    free(blocks);
    blocks = next;
  }
}

static int parse_argument(const char* arg) {
  char* end = NULL;
  if (strncmp(arg, "begin=", 6) == 0) {
    begin_addr = strtoull(arg + 6, &end, 0) & ~1ull; /* the Thumb bit */
  } else if (strncmp(arg, "end=", 4) == 0) {
    end_addr = strtoull(arg + 4, &end, 0) & ~1ull;
  } else if (strncmp(arg, "flash=", 6) == 0) {
    flash_lo = strtoull(arg + 6, &end, 0);
    if (*end != ':') return 0;
    flash_hi = strtoull(end + 1, &end, 0);
  } else if (strncmp(arg, "flash_line=", 11) == 0) {
    const unsigned long long bytes = strtoull(arg + 11, &end, 0);
    if (bytes == 0 || (bytes & (bytes - 1)) != 0) return 0;
    for (flash_line_shift = 0; (1ull << flash_line_shift) < bytes; ++flash_line_shift) {
    }
  } else if (strncmp(arg, "flash_cache=", 12) == 0) {
    cache_entries = strtoull(arg + 12, &end, 0);
  } else if (strncmp(arg, "out=", 4) == 0) {
    out_path = arg + 4;
    return 1;
  } else {
    return 0;
  }
  return end && *end == '\0';
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                           char** argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (!parse_argument(argv[i])) {
      fprintf(stderr, "kiln_profile: bad argument '%s'\n", argv[i]);
      return -1;
    }
  }
  cache_entries >>= flash_line_shift; /* bytes -> lines */
  if (cache_entries && !(cache_tags = calloc(cache_entries, sizeof *cache_tags))) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_exit_qemu, NULL);
  return 0;
}
