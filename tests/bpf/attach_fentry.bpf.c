/* Fixture for the BPF-trampoline hooks (fentry, fexit, lsm), which some
 * kernels refuse: the tests check that they fire for the process under
 * test (target_tgid), and otherwise that the error names the program and
 * what the kernel said. Built for 5.10: no atomic fetch instructions. */
#include "evbpf_test.bpf.h"
#include <bpf/bpf_tracing.h>

const volatile u32 target_tgid;
/* lsm: only opens of this inode count (a tool like valgrind opens files
 * of its own in the process under test). */
const volatile u64 target_ino;

u64 entries;
u64 exits;
u64 last_ret = 99;
u64 opens;

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

/* do_nanosleep(struct hrtimer_sleeper *t, enum hrtimer_mode mode) */
SEC("fentry/do_nanosleep")
int fentry_nanosleep(u64 *ctx)
{
	if (mine())
		__sync_fetch_and_add(&entries, 1);
	return 0;
}

/* fexit programs see the arguments and then the return value. */
SEC("fexit/do_nanosleep")
int fexit_nanosleep(u64 *ctx)
{
	if (mine()) {
		__sync_fetch_and_add(&exits, 1);
		last_ret = ctx[2];
	}
	return 0;
}

/* Just what is read, at the offsets the kernel's BTF gives (CO-RE). */
struct inode {
	unsigned long i_ino;
} __attribute__((preserve_access_index));
struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

/* The file_open LSM hook: open(2)s of target_ino by this process. */
SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file)
{
	if (mine() && file->f_inode->i_ino == target_ino)
		__sync_fetch_and_add(&opens, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
