// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Counts calls at uprobe sites chosen by the exporter's probe-site selection. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include "probe_counter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* One slot per attached site; per-CPU because the path is hot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROBE_COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, struct probe_count);
} counts SEC(".maps");

SEC("uprobe")
int count_call(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 slot = (__u32)cookie;
	struct probe_count *c = bpf_map_lookup_elem(&counts, &slot);

	if (!c)
		return 0;
	/* At the stack-check JBE, a taken branch means morestack runs and the prologue
	 * runs again: only the not-taken pass is a call. */
	if ((cookie & PROBE_COOKIE_STACK_CHECK_JBE) &&
	    (ctx->eflags & (X86_FLAGS_CF | X86_FLAGS_ZF))) {
		c->taken_passes++;
		return 0;
	}
	c->hits++;
	return 0;
}
