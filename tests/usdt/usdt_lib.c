/* SPDX-License-Identifier: MIT */
/* A shared library with USDT probes, for attaching by library name:
 * usdt_lib:lib has no semaphore; usdt_lib:lib_sema (usdt_lib_sema.c,
 * a unit of its own) has one. */
#include <sys/sdt.h>

#include "usdt_lib.h"

unsigned usdt_lib_fire_sema(long i);

__attribute__((noinline)) unsigned usdt_lib_fire(long i)
{
	long big = 0x7000000000L + i;

	STAP_PROBE3(usdt_lib, lib, i, -i, big);
	return usdt_lib_fire_sema(i);
}
