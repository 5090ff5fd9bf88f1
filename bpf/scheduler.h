/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the exporter and its BPF objects (scheduler.bpf.c, runqueue.bpf.c): the
 * build turns every constant, struct size and field offset here into
 * dev.gmpwatch.exporter.probe.SchedulerAbi, and SchedulerAbiTest checks the compiled objects' BTF
 * against it.
 */
#ifndef GMPWATCH_SCHEDULER_H
#define GMPWATCH_SCHEDULER_H

#define MAX_TARGETS      256   /* watched processes at once; each gets a slot */
#define G_STATES         16    /* Go's goroutine states, 0.._Gdeadextra, rounded up */
#define WAIT_REASONS     64    /* waitReason codes; larger codes land in the last one */
#define HIST_BUCKETS     40    /* log2(ns) buckets: bucket i holds [2^(i-1), 2^i) ns */
#define MAX_BIRTHS       262144 /* goroutines alive since attach whose lifetime is timed, all processes */

#define G_STATUS_WAITING  4
#define G_STATUS_DEAD     6
#define G_STATUS_IDLE     0

#define MAX_BINARIES     64    /* executables probed for every process that runs them (--exe) */
#define MAX_THREADS      65536 /* threads of watched processes waiting on a CPU run queue at once (runqueue.bpf.c) */

/*
 * The attach cookie. Bit 0: the probe sits on a stack-check JBE; count only its not-taken pass.
 * Bits 8-15: for a probe attached to every process of an executable, 1 + the binary's index in
 * the binaries map; a process of it that is not yet a target registers itself on its first event.
 */
#define COOKIE_STACK_CHECK_JBE 1ULL
#define COOKIE_BINARY_SHIFT    8
#define COOKIE_BINARY_MASK     0xffULL

/* Per watched process: written by user space (--pid, --discover) or by the probe itself (--exe). */
struct target_cfg {
	__u32 slot;
	__u32 off_waitreason;  /* runtime.g.waitreason (uint8) */
	__u32 binary;          /* 1 + index in binaries for self-registered targets, else 0 */
};

/* Per executable probed for all its processes. */
struct binary_cfg {
	__u32 off_waitreason;
};

/* Keys of the per-goroutine hashes: goroutines are identified by their g's address. */
struct g_key {
	__u32 tgid;
	__u32 pad;
	__u64 g;
};

struct hist {
	__u64 buckets[HIST_BUCKETS];
	__u64 sum_ns;
};

/*
 * Indexes into the run_queue map's per-slot events: local run-queue overflows (runqputslow calls),
 * steal attempts (runqsteal calls) and the attempts that found nothing (runqgrab took 0).
 */
#define RQ_OVERFLOW       0
#define RQ_STEAL          1
#define RQ_STEAL_FAILED   2
#define RQ_EVENTS         3

/* Indexes into the drops map: why an event could not be recorded. */
#define DROP_BIRTH_FULL    0   /* births was full: that goroutine's lifetime is not timed */
#define DROP_NO_FREE_SLOT  1   /* a process of an --exe binary found every slot taken */
#define DROP_KINDS         2

#endif
