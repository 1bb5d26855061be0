/* SPDX-License-Identifier: MIT */
/*
 * cgroup-skb: count the packets and bytes arriving at the sockets of a
 * cgroup (v2). Opens cgroup_skb.bpf.o through its skeleton (embedded in
 * cgroup_skb.skel.h), loads it, attaches `ingress_filter` to the cgroup and
 * prints the counters from the `ingress_stats` map until the duration ends
 * or SIGINT/SIGTERM arrives.
 *
 *   cgroup-skb [--cgroup DIR] [--interval SEC] [--duration SEC]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <evbpf/evbpf.h>

#include "cgroup_skb.skel.h"

struct traffic {
	uint64_t packets;
	uint64_t bytes;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cgroup-skb [--cgroup DIR] [--interval SEC] [--duration SEC]\n"
	           "  --cgroup    cgroup v2 directory (default /sys/fs/cgroup/unified)\n"
	           "  --interval  seconds between reports (default 1)\n"
	           "  --duration  stop after this many seconds (default: until Ctrl-C)\n");
}

static int report(const struct evbpf_map *stats)
{
	struct traffic t = {0};
	uint32_t key = 0;
	int err = evbpf_map_lookup(stats, &key, &t);

	if (err) {
		fprintf(stderr, "cgroup-skb: reading ingress_stats: %s\n", evbpf_errmsg());
		return err;
	}
	printf("packets=%llu bytes=%llu\n", (unsigned long long)t.packets,
	       (unsigned long long)t.bytes);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"cgroup", required_argument, NULL, 'c'},   {"interval", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cgroup = "/sys/fs/cgroup/unified";
	double interval = 1, duration = -1, elapsed = 0;
	struct cgroup_skb *skel = NULL;
	struct evbpf_link *link = NULL;
	int opt, cg_fd = -1, err = 1;

	while ((opt = getopt_long(argc, argv, "c:i:d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cgroup = optarg;
			break;
		case 'i':
			interval = atof(optarg);
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (interval <= 0) {
		fprintf(stderr, "cgroup-skb: --interval must be positive\n");
		return 2;
	}

	if (cgroup_skb__open_and_load(&skel)) {
		fprintf(stderr, "cgroup-skb: load: %s\n", evbpf_errmsg());
		goto out;
	}
	cg_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		fprintf(stderr, "cgroup-skb: open cgroup %s: %s\n", cgroup, strerror(errno));
		goto out;
	}
	if (evbpf_program_attach_cgroup(skel->progs.ingress_filter, cg_fd, &link)) {
		fprintf(stderr, "cgroup-skb: attach to %s: %s\n", cgroup, evbpf_errmsg());
		goto out;
	}
	printf("attached ingress_filter to %s (%s)\n", cgroup, evbpf_link_kind(link));
	fflush(stdout);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop && (duration < 0 || elapsed < duration)) {
		double step =
		    duration < 0 || duration - elapsed > interval ? interval : duration - elapsed;
		struct timespec ts = {(time_t)step, (long)((step - (time_t)step) * 1e9)};

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop)
			;
		elapsed += step;
		if (report(skel->maps.ingress_stats))
			goto out;
	}
	err = 0;
out:
	/* Destroying the link detaches the program from the cgroup. */
	evbpf_link_destroy(link);
	if (cg_fd >= 0)
		close(cg_fd);
	cgroup_skb__destroy(skel);
	return err;
}
