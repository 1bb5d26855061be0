/* SPDX-License-Identifier: MIT */
/*
 * netagent: a network agent on libev. An XDP program counts packets per
 * protocol and samples flows into a perf event array; the samples are
 * printed as they come, and a TCP control port on 127.0.0.1 answers every
 * connection with the live counters (read from the per-CPU array at that
 * moment), all on one ev_loop.
 *
 *   sudo ./netagent [IFNAME] [--port P] [--sample N] [--duration S] [--quiet]
 *
 * IFNAME defaults to lo; --port 0 picks a free port (printed at start).
 * The BPF object comes embedded in its skeleton (netagent.skel.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <evbpf/evbpf.h>
#include <evbpf/ev.h>

#include "netagent.h"
#include "netagent.skel.h"

static const char *const class_names[NETAGENT_NR_CLASSES] = {
    [NETAGENT_TCP] = "tcp",           [NETAGENT_UDP] = "udp",       [NETAGENT_ICMP] = "icmp",
    [NETAGENT_OTHER_IP] = "other_ip", [NETAGENT_NON_IP] = "non_ip",
};

struct agent {
	struct ev_loop *loop;
	const char *ifname;
	struct evbpf_map *counters;
	ev_io listener;
	ev_signal sigint, sigterm;
	ev_timer duration;
	unsigned long long samples, lost;
	int quiet;
	struct client *clients; /* open control connections */
};

/* A control connection: answered at once, closed when the peer is done
 * (or after a second), so that unread request bytes cause no reset. */
struct client {
	ev_io io;
	ev_timer timeout;
	int fd;
	struct client *prev, *next;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: netagent [IFNAME] [--port P] [--sample N] [--duration S] [--quiet]\n"
	           "Count packets per protocol on IFNAME (default lo) with XDP and serve the\n"
	           "counters on 127.0.0.1:P (default 7070). Needs root.\n");
}

/* Sum a class over every CPU's slot of the per-CPU array. */
static int read_class(const struct agent *a, uint32_t class, struct netagent_counter *sum)
{
	size_t size = evbpf_map_value_buf_size(a->counters);
	size_t stride = (sizeof(struct netagent_counter) + 7) / 8 * 8;
	unsigned char *buf = malloc(size);
	int err;

	if (!buf)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	err = evbpf_map_lookup(a->counters, &class, buf);
	for (size_t off = 0; !err && off + sizeof(*sum) <= size; off += stride) {
		struct netagent_counter c;

		memcpy(&c, buf + off, sizeof(c));
		sum->packets += c.packets;
		sum->bytes += c.bytes;
	}
	free(buf);
	return err;
}

static size_t format_counters(const struct agent *a, char *out, size_t size)
{
	size_t len = 0;
	int n;

	n = snprintf(out, size, "netagent %s\n", a->ifname);
	len += n > 0 ? (size_t)n : 0;
	for (uint32_t c = 0; c < NETAGENT_NR_CLASSES && len < size; c++) {
		struct netagent_counter sum;

		if (read_class(a, c, &sum))
			continue;
		n = snprintf(out + len, size - len, "%s_packets %llu\n%s_bytes %llu\n",
		             class_names[c], (unsigned long long)sum.packets, class_names[c],
		             (unsigned long long)sum.bytes);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < size) {
		n = snprintf(out + len, size - len, "flow_samples %llu\nlost_samples %llu\n",
		             a->samples, a->lost);
		len += n > 0 ? (size_t)n : 0;
	}
	return len < size ? len : size - 1;
}

static struct agent *the_agent;

static void client_close(struct ev_loop *loop, struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		the_agent->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->timeout);
	close(c->fd);
	free(c);
}

static void on_client_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	char buf[512];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		client_close(loop, c);
}

static void on_client_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	client_close(loop, w->data);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct agent *a = w->data;
	char reply[1024];
	struct client *c;
	size_t len;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	len = format_counters(a, reply, sizeof(reply));
	/* A fresh socket's send buffer takes a reply this small whole. */
	if (write(fd, reply, len) < 0 || shutdown(fd, SHUT_WR) < 0 ||
	    !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->next = a->clients;
	if (c->next)
		c->next->prev = c;
	a->clients = c;
	ev_io_init(&c->io, on_client_read, fd, EV_READ);
	ev_timer_init(&c->timeout, on_client_timeout, 1.0, 0.0);
	c->io.data = c->timeout.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_start(loop, &c->timeout);
}

static void format_addr(const struct flow_event *f, const uint8_t *addr, uint16_t port, char *out,
                        size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(f->family == 6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip));
	if (f->sport || f->dport)
		snprintf(out, size, f->family == 6 ? "[%s]:%u" : "%s:%u", ip, port);
	else
		snprintf(out, size, "%s", ip);
}

static int on_flow(void *ctx, int cpu, const void *data, size_t size)
{
	struct agent *a = ctx;
	const struct flow_event *f = data;
	char src[64], dst[64], proto[16];

	if (size < sizeof(*f))
		return 0;
	a->samples++;
	if (a->quiet)
		return 0;
	format_addr(f, f->saddr, f->sport, src, sizeof(src));
	format_addr(f, f->daddr, f->dport, dst, sizeof(dst));
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
		snprintf(proto, sizeof(proto), "%s", f->proto == IPPROTO_TCP ? "tcp" : "udp");
	else if (f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6)
		snprintf(proto, sizeof(proto), "icmp");
	else
		snprintf(proto, sizeof(proto), "proto%u", f->proto);
	printf("FLOW cpu %d %s %s -> %s len %u\n", cpu, proto, src, dst, f->len);
	return 0;
}

static void on_lost(void *ctx, int cpu, uint64_t lost)
{
	((struct agent *)ctx)->lost += lost;
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void on_duration(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static int listen_local(int port, int *portp)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t len = sizeof(sin);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*portp = ntohs(sin.sin_port);
	return fd;
}

int main(int argc, char **argv)
{
	struct agent a = {.ifname = "lo"};
	struct netagent *skel = NULL;
	struct evbpf_perfbuf *pb = NULL;
	struct evbpf_reactor *reactor = NULL;
	struct evbpf_link *link = NULL;
	uint32_t sample_every = 1;
	double duration = 0;
	int port = 7070, lfd = -1, ifindex, err, ret = 1;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--port") && v) {
			port = atoi(v);
			i++;
		} else if (!strcmp(argv[i], "--sample") && v) {
			sample_every = (uint32_t)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(argv[i], "--duration") && v) {
			duration = atof(v);
			i++;
		} else if (!strcmp(argv[i], "--quiet")) {
			a.quiet = 1;
		} else if (argv[i][0] != '-') {
			a.ifname = argv[i];
		} else {
			usage(stderr);
			return 1;
		}
	}
	the_agent = &a;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ifindex = (int)if_nametoindex(a.ifname);
	if (!ifindex) {
		fprintf(stderr, "netagent: no interface '%s'\n", a.ifname);
		return 1;
	}

	err = netagent__open(&skel);
	if (!err) {
		skel->rodata->sample_every = sample_every; /* before load: .rodata */
		err = netagent__load(skel);
	}
	if (err) {
		fprintf(stderr, "netagent: loading the BPF object: %s\n", evbpf_errmsg());
		goto out;
	}
	a.counters = skel->maps.counters;
	a.loop = ev_default_loop(EVFLAG_AUTO);
	err = evbpf_ev_reactor_new(a.loop, &reactor);
	if (!err)
		err = evbpf_perfbuf_new(skel->maps.flows, 8, on_flow, on_lost, &a, &pb);
	if (!err)
		err = evbpf_perfbuf_start(pb, reactor);
	if (!err)
		err = evbpf_program_attach_xdp(skel->progs.netagent_xdp, ifindex, 0, &link);
	if (err) {
		fprintf(stderr, "netagent: %s\n", evbpf_errmsg());
		goto out;
	}
	lfd = listen_local(port, &port);
	if (lfd < 0) {
		fprintf(stderr, "netagent: control port 127.0.0.1:%d: %s\n", port, strerror(-lfd));
		goto out;
	}

	ev_io_init(&a.listener, on_accept, lfd, EV_READ);
	a.listener.data = &a;
	ev_io_start(a.loop, &a.listener);
	ev_signal_init(&a.sigint, on_stop_signal, SIGINT);
	ev_signal_init(&a.sigterm, on_stop_signal, SIGTERM);
	ev_signal_start(a.loop, &a.sigint);
	ev_signal_start(a.loop, &a.sigterm);
	ev_timer_init(&a.duration, on_duration, duration, 0.0);
	if (duration > 0)
		ev_timer_start(a.loop, &a.duration);
	signal(SIGPIPE, SIG_IGN);

	printf("netagent: counting packets on %s (XDP, %s), control port 127.0.0.1:%d\n", a.ifname,
	       evbpf_link_kind(link), port);
	ev_run(a.loop, 0);
	ret = 0;
	printf("netagent: %llu flow samples, %llu lost\n", a.samples, a.lost);

	ev_io_stop(a.loop, &a.listener);
	ev_signal_stop(a.loop, &a.sigint);
	ev_signal_stop(a.loop, &a.sigterm);
	ev_timer_stop(a.loop, &a.duration);
	while (a.clients)
		client_close(a.loop, a.clients);
out:
	if (lfd >= 0)
		close(lfd);
	evbpf_link_destroy(link);
	evbpf_perfbuf_free(pb);
	evbpf_reactor_free(reactor);
	netagent__destroy(skel);
	return ret;
}
