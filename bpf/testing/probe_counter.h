/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between probe_counter.bpf.c and the exporter's tests (dev.gmpwatch.exporter.bpf.ProbeCounter, under src/test). */
#ifndef GMPWATCH_PROBE_COUNTER_H
#define GMPWATCH_PROBE_COUNTER_H

/* Number of probe sites one object can count. */
#define PROBE_COUNTER_SLOTS 64

/* The attach cookie: low 32 bits are the slot, this bit marks a stack-check JBE site. */
#define PROBE_COOKIE_STACK_CHECK_JBE (1ULL << 32)

/* x86 EFLAGS: JBE is taken when CF or ZF is set. */
#define X86_FLAGS_CF 0x01
#define X86_FLAGS_ZF 0x40

struct probe_count {
	__u64 hits;          /* passes that count as a call */
	__u64 taken_passes;  /* stack-check JBE passes that went to morestack (not counted) */
};

#endif
