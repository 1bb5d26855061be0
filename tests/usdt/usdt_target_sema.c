/* SPDX-License-Identifier: MIT */
/* The probe with a semaphore: it fires only while something (a uprobe
 * with a reference counter) has raised usdt_test_sema_semaphore. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short usdt_test_sema_semaphore __attribute__((unused))
__attribute__((section(".probes")));

unsigned fire_sema(long i);

__attribute__((noinline)) unsigned fire_sema(long i)
{
	unsigned sema = usdt_test_sema_semaphore;

	if (sema)
		STAP_PROBE2(usdt_test, sema, i, i * 2);
	return sema;
}
