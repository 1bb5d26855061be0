/* SPDX-License-Identifier: MIT */
/* Every kind of __kconfig extern, for test-kconfig's parser checks (all
 * weak, so the object opens whatever the running kernel's config says). */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

extern _Bool CONFIG_T_BOOL __kconfig __weak;
extern enum libbpf_tristate CONFIG_T_TRI __kconfig __weak;
extern char CONFIG_T_CHAR __kconfig __weak;
extern unsigned char CONFIG_T_U8 __kconfig __weak;
extern int CONFIG_T_INT __kconfig __weak;
extern unsigned short CONFIG_T_U16 __kconfig __weak;
extern long long CONFIG_T_S64 __kconfig __weak;
extern unsigned long long CONFIG_T_HEX __kconfig __weak;
extern char CONFIG_T_STR[8] __kconfig __weak;
extern _Bool CONFIG_T_NOTSET __kconfig __weak;
extern int CONFIG_T_MISSING __kconfig __weak;
extern __u32 LINUX_KERNEL_VERSION __kconfig;

__u64 out[16];

SEC("xdp")
int kcfg(struct xdp_md *ctx)
{
	out[0] = CONFIG_T_BOOL;
	out[1] = CONFIG_T_TRI;
	out[2] = CONFIG_T_CHAR;
	out[3] = CONFIG_T_U8;
	out[4] = CONFIG_T_INT;
	out[5] = CONFIG_T_U16;
	out[6] = CONFIG_T_S64;
	out[7] = CONFIG_T_HEX;
	out[8] = CONFIG_T_STR[0];
	out[9] = CONFIG_T_NOTSET;
	out[10] = CONFIG_T_MISSING;
	out[11] = LINUX_KERNEL_VERSION;
	return XDP_PASS;
}
