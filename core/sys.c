/* SPDX-License-Identifier: MIT */
/* Thin wrappers around bpf(2) and small system helpers. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef __NR_bpf
#error "__NR_bpf is not defined for this architecture"
#endif

int evbpf__bpf(enum bpf_cmd cmd, union bpf_attr *attr, unsigned int size)
{
	long ret;

	/* What the kernel may charge to RLIMIT_MEMLOCK (memlock.c). */
	if (cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD || cmd == BPF_BTF_LOAD)
		evbpf__memlock_setup();
	ret = syscall(__NR_bpf, cmd, attr, size);
	return ret < 0 ? -errno : (int)ret;
}

int evbpf__bpf_map_create(const union bpf_attr *create_attr)
{
	union bpf_attr attr;

	memcpy(&attr, create_attr, sizeof(attr));
	return evbpf__bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
}

static int map_elem_op(enum bpf_cmd cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (uint64_t)(uintptr_t)key;
	attr.value = (uint64_t)(uintptr_t)value;
	attr.flags = flags;
	return evbpf__bpf(cmd, &attr, sizeof(attr));
}

int evbpf__bpf_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	return map_elem_op(BPF_MAP_UPDATE_ELEM, fd, key, (void *)value, flags);
}

int evbpf__bpf_map_lookup(int fd, const void *key, void *value, uint64_t flags)
{
	return map_elem_op(BPF_MAP_LOOKUP_ELEM, fd, key, value, flags);
}

int evbpf__bpf_map_next_key(int fd, const void *key, void *next_key)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)key;
	attr.next_key = (uint64_t)(uintptr_t)next_key;
	return evbpf__bpf(BPF_MAP_GET_NEXT_KEY, &attr, sizeof(attr));
}

int evbpf__bpf_map_freeze(int fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	return evbpf__bpf(BPF_MAP_FREEZE, &attr, sizeof(attr));
}

int evbpf__bpf_obj_info(int fd, void *info, uint32_t *info_len)
{
	union bpf_attr attr;
	int err;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = *info_len;
	attr.info.info = (uint64_t)(uintptr_t)info;
	err = evbpf__bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
	if (!err)
		*info_len = attr.info.info_len;
	return err;
}

int evbpf__bpf_btf_load(const void *data, size_t size, char *log, size_t log_size,
			uint32_t log_level)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.btf = (uint64_t)(uintptr_t)data;
	attr.btf_size = (uint32_t)size;
	if (log && log_size) {
		attr.btf_log_buf = (uint64_t)(uintptr_t)log;
		attr.btf_log_size = (uint32_t)log_size;
		attr.btf_log_level = log_level;
		log[0] = '\0';
	}
	return evbpf__bpf(BPF_BTF_LOAD, &attr, sizeof(attr));
}

void evbpf__close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

uint64_t evbpf__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int evbpf__read_file(const char *path, uint8_t **bufp, size_t *sizep)
{
	size_t cap = 0, len = 0;
	uint8_t *buf = NULL, *nbuf;
	struct stat st;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs and procfs report size 0: read until EOF in any case. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = 4096;
	for (;;) {
		if (len + 1 >= cap || !buf) {
			if (buf)
				cap *= 2;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = -ENOMEM;
				goto err;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*sizep = len;
	return 0;
err:
	free(buf);
	close(fd);
	return err;
}

int evbpf__parse_cpu_list(const char *s, bool *mask, int mask_len, int *maxp)
{
	int count = 0, max = 0;
	char *end;

	while (*s && *s != '\n') {
		long a, b;

		a = strtol(s, &end, 10);
		if (end == s || a < 0 || a > 65535)
			return -EINVAL;
		b = a;
		s = end;
		if (*s == '-') {
			s++;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b > 65535)
				return -EINVAL;
			s = end;
		}
		for (long c = a; c <= b; c++) {
			if (mask && c < mask_len)
				mask[c] = true;
			count++;
		}
		if (b + 1 > max)
			max = (int)b + 1;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	if (maxp)
		*maxp = max;
	return count;
}

EVBPF_API int evbpf_num_possible_cpus(void)
{
	/* Cached: the possible set is fixed at boot. 0 means not read yet. */
	static int cached;
	int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	uint8_t *buf;
	size_t size;
	int err, max;

	if (n > 0)
		return n;
	err = evbpf__read_file("/sys/devices/system/cpu/possible", &buf, &size);
	if (err)
		return evbpf__err(err, "cannot read /sys/devices/system/cpu/possible: %s",
				  evbpf_strerror(err));
	err = evbpf__parse_cpu_list((const char *)buf, NULL, 0, &max);
	free(buf);
	if (err < 0)
		return evbpf__err(err, "cannot parse /sys/devices/system/cpu/possible");
	/* Per-CPU maps have a slot for every CPU id up to the highest one. */
	n = max;
	__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	return n;
}
