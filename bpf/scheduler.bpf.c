// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Go scheduler telemetry from uprobes: runtime.casgstatus sees every goroutine state change, which
 * also shows creation, exit and parking; runtime.runqputslow, every local run queue that
 * overflowed; and a site inside runtime.runqsteal, every steal and whether it found work.
 * Everything is aggregated here; user space reads
 * the maps when Prometheus scrapes. Every map is read by the exporter (probe.SchedulerProbes):
 * what the runtime counts itself is read from its memory instead, at no cost to the target.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include "scheduler.h"
#include "log2.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);                 /* tgid */
	__type(value, struct target_cfg);
} targets SEC(".maps");

/* Slots not in use; user space fills it at start and returns slots it frees. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, MAX_TARGETS);
	__type(value, __u32);
} free_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BINARIES);
	__type(key, __u32);
	__type(value, struct binary_cfg);
} binaries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_TARGETS * G_STATES * G_STATES);
	__type(key, __u32);                 /* slot, from, to */
	__type(value, __u64);
} transitions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_TARGETS * WAIT_REASONS);
	__type(key, __u32);                 /* slot, reason */
	__type(value, __u64);
} parks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct hist);
} lifetime SEC(".maps");

/* Goroutines created since attach, and when (ns): their exit observes a lifetime. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_BIRTHS);
	__type(key, struct g_key);
	__type(value, __u64);
} births SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_TARGETS * RQ_EVENTS);
	__type(key, __u32);                 /* slot, RQ_* event */
	__type(value, __u64);
} run_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline int morestack_pass(struct pt_regs *ctx)
{
	/* At a stack-check JBE, CF or ZF set means "taken": morestack runs, then the prologue
	 * runs again. Only the other pass is a call. */
	return (bpf_get_attach_cookie(ctx) & COOKIE_STACK_CHECK_JBE) && (ctx->eflags & 0x41);
}

static __always_inline void count_drop(__u32 kind)
{
	__u64 *d = bpf_map_lookup_elem(&drops, &kind);

	if (d)
		(*d)++;
}

/* A process of an executable probed with --exe: take a free slot and become a target. */
static __always_inline struct target_cfg *register_target(__u32 tgid, __u32 binary)
{
	struct target_cfg cfg = { .binary = binary };
	struct binary_cfg *b;
	__u32 index = binary - 1;

	b = bpf_map_lookup_elem(&binaries, &index);
	if (!b)
		return 0;
	if (bpf_map_pop_elem(&free_slots, &cfg.slot)) {
		count_drop(DROP_NO_FREE_SLOT);
		return 0;
	}
	cfg.off_waitreason = b->off_waitreason;
	if (bpf_map_update_elem(&targets, &tgid, &cfg, BPF_NOEXIST))
		bpf_map_push_elem(&free_slots, &cfg.slot, 0); /* another thread registered it first */
	return bpf_map_lookup_elem(&targets, &tgid);
}

static __always_inline struct target_cfg *current_target(struct pt_regs *ctx, __u32 *tgid)
{
	struct target_cfg *t;
	__u32 binary;

	*tgid = bpf_get_current_pid_tgid() >> 32;
	t = bpf_map_lookup_elem(&targets, tgid);
	if (t)
		return t;
	binary = (bpf_get_attach_cookie(ctx) >> COOKIE_BINARY_SHIFT) & COOKIE_BINARY_MASK;
	return binary ? register_target(*tgid, binary) : 0;
}

static __always_inline void observe(void *hist_map, __u32 slot, __u64 ns)
{
	struct hist *h = bpf_map_lookup_elem(hist_map, &slot);
	__u32 b = log2_bucket(ns);

	if (!h)
		return;
	if (b < HIST_BUCKETS)
		h->buckets[b]++;
	h->sum_ns += ns;
}

static __always_inline void count_transition(__u32 slot, __u32 from, __u32 to)
{
	__u32 idx = (slot * G_STATES + (from & (G_STATES - 1))) * G_STATES + (to & (G_STATES - 1));
	__u64 *c = bpf_map_lookup_elem(&transitions, &idx);

	if (c)
		(*c)++;
}

static __always_inline void on_park(struct target_cfg *t, __u64 g)
{
	__u8 reason = 0;
	__u32 idx;
	__u64 *c;

	/* gopark stores the reason in the g before it moves to _Gwaiting. */
	bpf_probe_read_user(&reason, sizeof(reason), (void *)(g + t->off_waitreason));
	if (reason >= WAIT_REASONS)
		reason = WAIT_REASONS - 1;
	idx = t->slot * WAIT_REASONS + reason;
	c = bpf_map_lookup_elem(&parks, &idx);
	if (c)
		(*c)++;
}

static __always_inline void on_create(struct g_key *key)
{
	__u64 now = bpf_ktime_get_ns();

	if (bpf_map_update_elem(&births, key, &now, BPF_ANY))
		count_drop(DROP_BIRTH_FULL);
}

static __always_inline void on_exit(struct target_cfg *t, struct g_key *key)
{
	__u64 *born = bpf_map_lookup_elem(&births, key);

	if (!born)
		return; /* created before we attached */
	observe(&lifetime, t->slot, bpf_ktime_get_ns() - *born);
	bpf_map_delete_elem(&births, key);
}

/* runtime.casgstatus(gp *g, oldval, newval uint32): RAX, RBX, RCX. */
SEC("uprobe")
int on_casgstatus(struct pt_regs *ctx)
{
	struct g_key key = {};
	struct target_cfg *t;
	__u32 from, to;

	if (morestack_pass(ctx))
		return 0;
	t = current_target(ctx, &key.tgid);
	if (!t || t->slot >= MAX_TARGETS)
		return 0;
	key.g = ctx->rax;
	from = (__u32)ctx->rbx & 0xfff;
	to = (__u32)ctx->rcx & 0xfff;

	count_transition(t->slot, from, to);
	if (to == G_STATUS_WAITING)
		on_park(t, key.g);
	if (from == G_STATUS_DEAD && to != G_STATUS_DEAD)
		on_create(&key);
	else if (to == G_STATUS_DEAD && from != G_STATUS_IDLE)
		on_exit(t, &key);
	return 0;
}

static __always_inline void count_run_queue(__u32 slot, __u32 event)
{
	__u32 idx = slot * RQ_EVENTS + event;
	__u64 *c = bpf_map_lookup_elem(&run_queue, &idx);

	if (c)
		(*c)++;
}

/* runtime.runqputslow: a P's local run queue was full; half of it goes to the global queue. */
SEC("uprobe")
int on_runqputslow(struct pt_regs *ctx)
{
	struct target_cfg *t;
	__u32 tgid;

	if (morestack_pass(ctx))
		return 0;
	t = current_target(ctx, &tgid);
	if (!t || t->slot >= MAX_TARGETS)
		return 0;
	count_run_queue(t->slot, RQ_OVERFLOW);
	return 0;
}

/*
 * Inside runtime.runqsteal, at the first emulated instruction after its call to runqgrab, whose
 * result (the goroutines grabbed) is still in EAX: runqsteal returns nil exactly when it is 0.
 * One hit per steal attempt, at an instruction the kernel emulates (a RET is single-stepped).
 */
SEC("uprobe")
int on_runqsteal_grabbed(struct pt_regs *ctx)
{
	struct target_cfg *t;
	__u32 tgid;

	t = current_target(ctx, &tgid);
	if (!t || t->slot >= MAX_TARGETS)
		return 0;
	count_run_queue(t->slot, RQ_STEAL);
	if ((__u32)ctx->rax == 0)
		count_run_queue(t->slot, RQ_STEAL_FAILED);
	return 0;
}
