// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's side of scheduling latency (--kernel.runqueue): how long the threads of watched
 * processes wait on a CPU run queue between becoming runnable (a wakeup, or a preemption that
 * leaves them runnable) and running, as a log2 histogram per process. BTF tracepoints, filtered
 * here by the watched tgids; they need no tracefs and no kprobes.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "scheduler.h"
#include "log2.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TASK_RUNNING 0

/* The fields read, relocated against the running kernel's BTF (CO-RE); __state since Linux 5.14. */
struct task_struct {
	int pid;
	int tgid;
	unsigned int __state;
} __attribute__((preserve_access_index));

/* tgid -> slot: the processes watched, written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u32);
} watched SEC(".maps");

/* tid -> when it became runnable (ns). LRU: a thread that exits while queued ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} runnable_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct hist);
} queue_latency SEC(".maps");

static __always_inline void became_runnable(struct task_struct *p)
{
	__u32 tgid = p->tgid;
	__u32 tid = p->pid;
	__u64 now;

	if (!bpf_map_lookup_elem(&watched, &tgid))
		return;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&runnable_since, &tid, &now, BPF_ANY);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_wakeup, struct task_struct *p)
{
	became_runnable(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_wakeup_new, struct task_struct *p)
{
	became_runnable(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, _Bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 tgid, tid, *slot;
	__u64 *since, ns, now;
	struct hist *h;
	__u32 b;

	if (prev->__state == TASK_RUNNING)
		became_runnable(prev); /* preempted: back on the run queue */
	tgid = next->tgid;
	slot = bpf_map_lookup_elem(&watched, &tgid);
	if (!slot)
		return 0;
	tid = next->pid;
	since = bpf_map_lookup_elem(&runnable_since, &tid);
	if (!since)
		return 0;
	now = bpf_ktime_get_ns();
	ns = now > *since ? now - *since : 0;
	bpf_map_delete_elem(&runnable_since, &tid);
	h = bpf_map_lookup_elem(&queue_latency, slot);
	if (!h)
		return 0;
	b = log2_bucket(ns);
	if (b < HIST_BUCKETS)
		h->buckets[b]++;
	h->sum_ns += ns;
	return 0;
}
