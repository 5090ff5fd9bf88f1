/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The log2 bucket of a duration, shared by the BPF objects' histograms (struct hist). */
#ifndef GMPWATCH_LOG2_H
#define GMPWATCH_LOG2_H

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8)  { v >>= 8;  r += 8; }
	if (v >> 4)  { v >>= 4;  r += 4; }
	if (v >> 2)  { v >>= 2;  r += 2; }
	if (v >> 1)  { r += 1; }
	r += 1; /* [2^(r-1), 2^r) -> bucket r; 0 ns -> bucket 0 */
	if (v == 0 && r == 1)
		r = 0;
	return r < HIST_BUCKETS ? r : HIST_BUCKETS - 1;
}

#endif
