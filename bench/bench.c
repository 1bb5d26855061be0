/* SPDX-License-Identifier: MIT */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bench_self = "/proc/self/exe";

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_samples(const char *label, const double *v, size_t n)
{
	fprintf(stderr, "%s:", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %.3g", v[i]);
	fputc('\n', stderr);
}

double bench_percentile(double *v, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

void bench_param(struct bench_result *r, const char *key, const char *fmt, ...)
{
	size_t len = strlen(r->params);
	va_list ap;
	int n;

	n = snprintf(r->params + len, sizeof(r->params) - len, ",\"%s\":", key);
	if (n < 0 || (size_t)n >= sizeof(r->params) - len)
		return;
	len += (size_t)n;
	va_start(ap, fmt);
	vsnprintf(r->params + len, sizeof(r->params) - len, fmt, ap);
	va_end(ap);
}

void bench_param_str(struct bench_result *r, const char *key, const char *value)
{
	char esc[256];
	size_t j = 0;

	for (size_t i = 0; value[i] && j + 3 < sizeof(esc); i++) {
		unsigned char c = (unsigned char)value[i];

		if (c == '"' || c == '\\')
			esc[j++] = '\\';
		esc[j++] = c < 0x20 ? ' ' : (char)c;
	}
	esc[j] = '\0';
	bench_param(r, key, "\"%s\"", esc);
}

static void print_number(double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", stdout);
	else if (fabs(v) >= 1000)
		printf("%.0f", v);
	else
		printf("%.4g", v);
}

void bench_report(const struct bench_result *r)
{
	double ratio = NAN;

	if (!isnan(r->evbpf) && !isnan(r->libbpf) && r->evbpf > 0 && r->libbpf > 0) {
		if (r->better == BENCH_HIGHER)
			ratio = r->evbpf / r->libbpf;
		else if (r->better == BENCH_LOWER)
			ratio = r->libbpf / r->evbpf;
	}
	printf("{\"name\":\"%s\",\"evbpf\":", r->name);
	print_number(r->evbpf);
	fputs(",\"libbpf\":", stdout);
	print_number(r->libbpf);
	fputs(",\"ratio\":", stdout);
	if (isnan(ratio))
		fputs("null", stdout);
	else
		printf("%.2f", ratio);
	printf(",\"unit\":\"%s\",\"better\":\"%s\"%s}\n", r->unit,
	       r->better == BENCH_LOWER    ? "lower"
	       : r->better == BENCH_HIGHER ? "higher"
	                                   : "neither",
	       r->params);
	fflush(stdout);
}

int bench_env_int(const char *name, int def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 0);
	if (*end || v <= 0 || v > 1 << 30)
		return def;
	return (int)v;
}

long bench_preemptions(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_nivcsw;
}

int bench_nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

void bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu >= bench_nr_cpus())
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bench_set_self(const char *argv0)
{
	(void)argv0;
	/* /proc/self/exe resolved now: a child exec'ing it needs no PATH. */
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n > 0) {
		path[n] = '\0';
		bench_self = path;
	}
}

int bench_run_child(const char *mode, const char *arg, double *valuep, long *maxrss_kib)
{
	struct rusage ru;
	char line[128];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(bench_self, bench_self, "--child", mode, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], line, sizeof(line) - 1);
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	line[n] = '\0';
	*valuep = strtod(line, NULL);
	*maxrss_kib = ru.ru_maxrss;
	return 0;
}

const char *bench_bpf_dir(void)
{
	const char *dir = getenv("EVBPF_BENCH_BPF_DIR");

	return dir && *dir ? dir : EVBPF_BENCH_BPF_DIR;
}

/* Ethernet (IPv4), IPv4 (UDP, 50 bytes), UDP 1234 -> 5678. */
const unsigned char bench_packet[64] = {
    0x02, 0,  0,  0, 0, 1,  0x02, 0, 0, 0,  0, 2, 0x08, 0x00, 0x45, 0,    0,    50, 0,  0, 0x40,
    0,    64, 17, 0, 0, 10, 0,    0, 1, 10, 0, 0, 2,    0x04, 0xd2, 0x16, 0x2e, 0,  30, 0, 0,
};
