/* SPDX-License-Identifier: MIT */
/*
 * A user of a skeleton, compiled by compile.sh as C and as C++ with gcc
 * and clang (-Wall -Wextra -Werror) against the skeleton of every test
 * fixture. SKEL names the skeleton and SKEL_HEADER is its file. With
 * SHAPES the user's own header comes first (the skeleton must not clash
 * with it) and the section structs are written as a user would; with
 * WITH_MAIN it is a program that opens the skeleton and checks a value.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#ifdef SHAPES
#include "skel_shapes.h"
#endif
#include SKEL_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b)  CAT_(a, b)
#define FN(suffix) CAT(SKEL, suffix)

int use_skeleton(void);

int use_skeleton(void)
{
	int (*load)(struct SKEL *) = FN(__load);
	int (*attach)(struct SKEL *) = FN(__attach);
	int (*open_and_load)(struct SKEL **) = FN(__open_and_load);
	struct SKEL *skel = NULL;
	size_t size = 0;
	int err;

	if (!FN(__elf_bytes)(&size) || size < 64)
		return 1;
	err = FN(__open)(&skel);
	if (err) {
		fprintf(stderr, "open: %d\n", err);
		return 2;
	}
#ifdef SHAPES
	skel->rodata->threshold = 10;
	skel->rodata->origin.x = -1;
	skel->data->data_flags.b = 3;
	skel->data->data_mode = MODE_A;
	skel->data->data_bool = false;
	skel->bss->bss_ptr = NULL;
	if (skel->rodata->origin.y != 4 || skel->data->data_flags.d != -3 ||
	    skel->data_custom->custom_a != 30) {
		fprintf(stderr, "initial values differ\n");
		return 3;
	}
#endif
	FN(__detach)(skel);
	FN(__destroy)(skel);
	return load && attach && open_and_load ? 0 : 4;
}

#ifdef WITH_MAIN
int main(void)
{
	return use_skeleton();
}
#endif
