/*
 * insncount: a QEMU TCG plugin that measures firmware exactly and deterministically.
 *
 * - Counts guest instructions executed between calls of two marker functions
 *   (begin/end addresses passed as arguments), summed over every begin..end pair.
 * - Optionally records the lowest address written inside a stack window [lo, hi),
 *   over the whole run and inside regions only; peak stack depth = hi - lowest.
 *
 * Arguments: begin=0xADDR,end=0xADDR[,stack_lo=0xADDR,stack_hi=0xADDR]
 * Output (stderr, at exit):
 *   insncount: total=<all insns> region=<insns in regions> regions=<pairs>
 *              region_min=<fewest insns in one pair> region_max=<most insns in one pair>
 *              [stack_peak=<bytes, whole run> region_stack_peak=<bytes, inside regions>]
 *
 * Copied from the project's embedded kit; stacknet added region_min/region_max.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t total;          /* every executed instruction, via an inline add per block */
static uint64_t region;         /* instructions inside begin..end */
static uint64_t regions;        /* completed begin..end pairs */
static uint64_t region_min = UINT64_MAX, region_max; /* extremes over single pairs */
static uint64_t opened_at;      /* `total` when the open region began */
static int open;
static uint64_t begin_addr, end_addr;
static uint64_t stack_lo, stack_hi, lowest_store = UINT64_MAX, lowest_region_store = UINT64_MAX;

/* The block's own instructions were already added to `total` when the block started,
 * so the count at a marker's entry is `total - n` where n is the marker block's size. */
static void on_begin(unsigned int vcpu_index, void *udata)
{
    opened_at = total - (uint64_t)(uintptr_t)udata;
    open = 1;
}

static void on_end(unsigned int vcpu, void *udata)
{
    if (open) {
        uint64_t n = total - (uint64_t)(uintptr_t)udata - opened_at;
        region += n;
        regions++;
        if (n < region_min) {
            region_min = n;
        }
        if (n > region_max) {
            region_max = n;
        }
        open = 0;
    }
}

static void on_store(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    if (vaddr < stack_lo || vaddr >= stack_hi) {
        return;
    }
    if (vaddr < lowest_store) {
        lowest_store = vaddr;
    }
    if (open && vaddr < lowest_region_store) {
        lowest_region_store = vaddr;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == begin_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)(n - i));
        } else if (pc == end_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)(n - i));
        }
        if (stack_hi) {
            qemu_plugin_register_vcpu_mem_cb(insn, on_store, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_W, NULL);
        }
    }
}

static void report(qemu_plugin_id_t id, void *p)
{
    char line[256];
    int len = snprintf(line, sizeof line,
                       "insncount: total=%" PRIu64 " region=%" PRIu64 " regions=%" PRIu64
                       " region_min=%" PRIu64 " region_max=%" PRIu64,
                       total, region, regions, regions ? region_min : 0, region_max);
    if (stack_hi && lowest_store != UINT64_MAX) {
        len += snprintf(line + len, sizeof line - len, " stack_peak=%" PRIu64, stack_hi - lowest_store);
    }
    if (stack_hi && lowest_region_store != UINT64_MAX) {
        snprintf(line + len, sizeof line - len, " region_stack_peak=%" PRIu64,
                 stack_hi - lowest_region_store);
    }
    strncat(line, "\n", sizeof line - strlen(line) - 1);
    qemu_plugin_outs(line);
}

static int parse_addr(const char *arg, const char *key, uint64_t *out)
{
    size_t k = strlen(key);
    if (strncmp(arg, key, k) == 0 && arg[k] == '=') {
        *out = strtoull(arg + k + 1, NULL, 0) & ~(uint64_t)1; /* drop the Thumb bit */
        return 1;
    }
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!(parse_addr(argv[i], "begin", &begin_addr) || parse_addr(argv[i], "end", &end_addr) ||
              parse_addr(argv[i], "stack_lo", &stack_lo) || parse_addr(argv[i], "stack_hi", &stack_hi))) {
            fprintf(stderr, "insncount: unknown argument '%s'\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
