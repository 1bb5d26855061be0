/* SPDX-License-Identifier: MIT */
/*
 * The traced process of tests/kernel/test-usdt.c (USDT and uprobe.multi).
 *
 *   usdt_target N      prints "ready", waits for a line on stdin (the
 *                      test attaches meanwhile), then fires every probe N
 *                      times and prints what the semaphores were.
 *
 * Each probe of usdt_test:* has arguments of one operand kind, forced by
 * redefining <sys/sdt.h>'s operand constraint before it: constants ("n"),
 * registers ("r") and memory ("m", a stack slot at an offset from %rsp
 * or %rbp). Values depend on the iteration so that a wrong read shows.
 * The semaphore probe is in usdt_target_sema.c (its own translation unit,
 * since _SDT_HAS_SEMAPHORES applies to every probe of a unit). Built
 * without PIE, so the probe addresses are fixed (kernels without BPF
 * cookies need that, or a pid).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/sdt.h>

#include "usdt_lib.h"

/* In usdt_target_sema.c. */
unsigned fire_sema(long i);

#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT n
__attribute__((noinline)) void fire_consts(void)
{
	STAP_PROBE4(usdt_test, consts, -9, 42, (unsigned char)200, 0x123456789aLL);
}

#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT r
__attribute__((noinline)) void fire_regs(long i)
{
	long a = i * 1000 + 7;
	int b = (int)-i - 5;
	short c = (short)(-300 - i);
	unsigned char d = (unsigned char)(250 + i);

	STAP_PROBE4(usdt_test, regs, a, b, c, d);
}

#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT m
__attribute__((noinline)) void fire_mem(long i)
{
	volatile struct {
		long a;
		int b;
		short c;
		signed char d;
	} s = {i * 100000000000L + 3, (int)(i - 100000), (short)(i + 30000),
	       (signed char)(-100 - i)};

	STAP_PROBE4(usdt_test, mem, s.a, s.b, s.c, s.d);
}

/* Functions for uprobe.multi's glob "evbpf_umulti_*". */
__attribute__((noinline)) long evbpf_umulti_one(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}
__attribute__((noinline)) long evbpf_umulti_two(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 2;
}
__attribute__((noinline)) long evbpf_umulti_three(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 3;
}
/* Not matched by the glob. */
__attribute__((noinline)) long evbpf_umult_other(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 4;
}

static long (*volatile multi_fns[])(long) = {evbpf_umulti_one, evbpf_umulti_two, evbpf_umulti_three,
                                             evbpf_umult_other};

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	unsigned sema_max = 0, lib_sema_max = 0;
	char line[16];
	long sum = 0;

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 2;
	for (long i = 0; i < n; i++) {
		unsigned s, ls;

		fire_consts();
		fire_regs(i);
		fire_mem(i);
		s = fire_sema(i);
		ls = usdt_lib_fire(i);
		sema_max = s > sema_max ? s : sema_max;
		lib_sema_max = ls > lib_sema_max ? ls : lib_sema_max;
		for (size_t f = 0; f < sizeof(multi_fns) / sizeof(multi_fns[0]); f++)
			sum += multi_fns[f](i);
	}
	printf("sema=%u lib_sema=%u sum=%ld\n", sema_max, lib_sema_max, sum);
	return 0;
}
