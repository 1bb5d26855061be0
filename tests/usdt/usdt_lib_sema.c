/* SPDX-License-Identifier: MIT */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short usdt_lib_lib_sema_semaphore __attribute__((unused))
__attribute__((section(".probes"))) __attribute__((visibility("hidden")));

unsigned usdt_lib_fire_sema(long i);

__attribute__((noinline)) unsigned usdt_lib_fire_sema(long i)
{
	unsigned sema = usdt_lib_lib_sema_semaphore;

	if (sema)
		STAP_PROBE1(usdt_lib, lib_sema, i + 500);
	return sema;
}
