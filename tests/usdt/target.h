/* SPDX-License-Identifier: MIT */
/*
 * Running tests/usdt/usdt_target from a test: it is started first (so
 * its pid is known before the BPF object is loaded and attached), says
 * "ready", and fires its probes when told to go.
 */
#ifndef EVBPF_TESTS_USDT_TARGET_H
#define EVBPF_TESTS_USDT_TARGET_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct target {
	pid_t pid;
	FILE *in;  /* its stdin */
	FILE *out; /* its stdout */
	unsigned sema, lib_sema;
	long sum;
};

/* Start the target for n rounds; 0 or -1. */
static inline int target_start(struct target *t, int n)
{
	int to[2], from[2];
	char arg[16], line[64];

	memset(t, 0, sizeof(*t));
	if (pipe(to) || pipe(from))
		return -1;
	/* Only the child's dups of its ends survive its exec. */
	for (int i = 0; i < 2; i++) {
		fcntl(to[i], F_SETFD, FD_CLOEXEC);
		fcntl(from[i], F_SETFD, FD_CLOEXEC);
	}
	snprintf(arg, sizeof(arg), "%d", n);
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execl(EVBPF_TEST_USDT_TARGET, "usdt_target", arg, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	t->in = fdopen(to[1], "w");
	t->out = fdopen(from[0], "r");
	if (!t->in || !t->out || !fgets(line, sizeof(line), t->out) || strcmp(line, "ready\n"))
		return -1;
	return 0;
}

/* Let it fire its probes and exit; 0 when it reported and exited 0. */
static inline int target_run(struct target *t)
{
	char line[128];
	int status = -1, ok;

	fputs("go\n", t->in);
	fflush(t->in);
	ok = fgets(line, sizeof(line), t->out) &&
	     sscanf(line, "sema=%u lib_sema=%u sum=%ld", &t->sema, &t->lib_sema, &t->sum) == 3;
	fclose(t->in);
	fclose(t->out);
	t->in = t->out = NULL;
	waitpid(t->pid, &status, 0);
	t->pid = 0;
	return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* For failure paths: make sure nothing is left running. */
static inline void target_kill(struct target *t)
{
	if (t->in)
		fclose(t->in);
	if (t->out)
		fclose(t->out);
	t->in = t->out = NULL;
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
}

#endif
