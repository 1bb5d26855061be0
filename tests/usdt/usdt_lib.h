/* SPDX-License-Identifier: MIT */
#ifndef USDT_LIB_H
#define USDT_LIB_H
/* Fires usdt_lib:lib (no semaphore) and usdt_lib:lib_sema (semaphore);
 * returns the semaphore's value. */
unsigned usdt_lib_fire(long i);
#endif
