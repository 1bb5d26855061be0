/* SPDX-License-Identifier: MIT */
/*
 * metrics-server: system calls per process as Prometheus metrics, on libuv.
 *
 * A raw tracepoint counts syscalls per process in a hash map. The map
 * poller takes a snapshot of it every --interval milliseconds on libuv's
 * thread pool (EVBPF_MAPPOLL_OFFLOOP: dumping ten thousand entries never
 * stalls the loop), and hands it to the loop thread, where it replaces the
 * previous one. An HTTP endpoint on 127.0.0.1 serves the latest snapshot
 * in the Prometheus text format.
 *
 *   sudo ./metrics-server [--port P] [--interval MS] [--duration S]
 *   curl http://127.0.0.1:9464/metrics
 *
 * The BPF object comes embedded in its skeleton (metrics_server.skel.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>
#include <evbpf/evbpf.h>
#include <evbpf/uv.h>

#include "metrics-server.h"

#include "metrics_server.skel.h"

#define MAX_REQUEST 8192

struct proc_count {
	uint32_t pid;
	struct syscall_count v;
};

struct server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_signal_t sigint, sigterm;
	uv_timer_t duration;
	/* The latest snapshot, owned by the loop thread. */
	struct proc_count *procs;
	size_t nr_procs;
	uint64_t seq;
	uint64_t requests;
};

struct client {
	uv_tcp_t tcp;
	struct server *srv;
	char req[MAX_REQUEST];
	size_t len;
	int responded;
};

struct reply {
	uv_write_t req;
	struct client *client;
	char *body;
};

/* A growing response buffer. */
struct text {
	char *p;
	size_t len, cap;
	int oom;
};

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || t->oom)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *p;

		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		p = realloc(t->p, cap);
		if (!p) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* A label value: \, " and newlines escaped as the text format wants. */
static void label_value(const char *s, size_t max, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < max && s[i] && o + 3 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = c < 0x20 ? '?' : (char)c;
		}
	}
	out[o] = '\0';
}

static void render_metrics(const struct server *srv, struct text *t)
{
	char comm[METRICS_COMM_LEN * 2 + 1];

	text_printf(t, "# HELP evbpf_syscalls_total System calls entered, per process.\n"
	               "# TYPE evbpf_syscalls_total counter\n");
	for (size_t i = 0; i < srv->nr_procs; i++) {
		const struct proc_count *p = &srv->procs[i];

		label_value(p->v.comm, METRICS_COMM_LEN, comm, sizeof(comm));
		text_printf(t, "evbpf_syscalls_total{pid=\"%u\",comm=\"%s\"} %llu\n", p->pid, comm,
		            (unsigned long long)p->v.count);
	}
	text_printf(t,
	            "# HELP evbpf_map_snapshots_total Snapshots of the BPF map taken so far.\n"
	            "# TYPE evbpf_map_snapshots_total counter\n"
	            "evbpf_map_snapshots_total %llu\n"
	            "# HELP evbpf_map_entries Processes in the latest snapshot.\n"
	            "# TYPE evbpf_map_entries gauge\n"
	            "evbpf_map_entries %zu\n",
	            (unsigned long long)srv->seq, srv->nr_procs);
}

/* ------------------------------------------------------------ map polling */

static void on_snapshot(void *ctx, const struct evbpf_map_snapshot *snap)
{
	struct server *srv = ctx;
	struct proc_count *procs;

	if (snap->key_size != sizeof(uint32_t) || snap->value_size < sizeof(struct syscall_count))
		return;
	procs = calloc(snap->count ? snap->count : 1, sizeof(*procs));
	if (!procs)
		return;
	for (size_t i = 0; i < snap->count; i++) {
		memcpy(&procs[i].pid, (const char *)snap->keys + i * snap->key_size,
		       sizeof(uint32_t));
		memcpy(&procs[i].v, (const char *)snap->values + i * snap->value_size,
		       sizeof(struct syscall_count));
	}
	free(srv->procs);
	srv->procs = procs;
	srv->nr_procs = snap->count;
	srv->seq = snap->seq;
}

/* ------------------------------------------------------------ HTTP */

static void on_client_closed(uv_handle_t *h)
{
	free(h->data);
}

static void close_client(struct client *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_client_closed);
}

static void on_written(uv_write_t *req, int status)
{
	struct reply *r = (struct reply *)req;

	close_client(r->client);
	free(r->body);
	free(r);
}

static void text_append(struct text *t, const char *data, size_t len)
{
	if (len)
		text_printf(t, "%.*s", (int)len, data);
}

static void respond(struct client *c, int code, const char *reason, const char *type,
                    struct text *body)
{
	struct text out = {0};
	struct reply *r;
	uv_buf_t buf;

	c->responded = 1;
	text_printf(&out,
	            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	            "Connection: close\r\n\r\n",
	            code, reason, type, body->len);
	text_append(&out, body->p, body->oom ? 0 : body->len);
	free(body->p);
	r = calloc(1, sizeof(*r));
	if (!r || out.oom || body->oom) {
		free(r);
		free(out.p);
		close_client(c);
		return;
	}
	r->body = out.p;
	r->client = c;
	buf = uv_buf_init(out.p, (unsigned int)out.len);
	if (uv_write(&r->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written)) {
		free(r->body);
		free(r);
		close_client(c);
	}
}

static void handle_request(struct client *c)
{
	struct text body = {0};
	char method[8], path[256];

	c->srv->requests++;
	if (sscanf(c->req, "%7s %255s", method, path) != 2 || strcmp(method, "GET")) {
		text_printf(&body, "only GET is served\n");
		respond(c, 405, "Method Not Allowed", "text/plain", &body);
	} else if (!strcmp(path, "/metrics")) {
		render_metrics(c->srv, &body);
		respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", &body);
	} else if (!strcmp(path, "/")) {
		text_printf(&body, "evbpf metrics-server: see /metrics\n");
		respond(c, 200, "OK", "text/plain", &body);
	} else {
		text_printf(&body, "not found\n");
		respond(c, 404, "Not Found", "text/plain", &body);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct client *c = h->data;

	*buf = uv_buf_init(c->req + c->len, (unsigned int)(sizeof(c->req) - 1 - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct client *c = s->data;

	if (c->responded)
		return;
	if (n < 0) {
		close_client(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
		uv_read_stop(s);
		handle_request(c);
	} else if (c->len >= sizeof(c->req) - 1) {
		close_client(c); /* a request this large is not ours */
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct server *srv = server->data;
	struct client *c;

	if (status < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->srv = srv;
	uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read))
		close_client(c);
}

/* ------------------------------------------------------------ main */

static void on_stop_signal(uv_signal_t *h, int signum)
{
	uv_stop(h->loop);
}

static void on_duration(uv_timer_t *h)
{
	uv_stop(h->loop);
}

static void close_handle(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, h->type == UV_TCP && h->data != arg ? on_client_closed : NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: metrics-server [--port P] [--interval MS] [--duration S]\n"
	           "Serve system calls per process on http://127.0.0.1:P/metrics (default\n"
	           "port 9464; 0 picks a free one). Needs root.\n");
}

int main(int argc, char **argv)
{
	struct server srv = {0};
	struct evbpf_mappoll_opts popts = {
	    .sz = sizeof(popts), .interval_ms = 1000, .flags = EVBPF_MAPPOLL_OFFLOOP};
	struct metrics_server *skel = NULL;
	struct evbpf_mappoll *poll = NULL;
	struct evbpf_reactor *reactor = NULL;
	struct sockaddr_in addr;
	int namelen = sizeof(addr);
	double duration = 0;
	int port = 9464, err, ret = 1;
	uv_loop_t loop;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--port") && v) {
			port = atoi(v);
			i++;
		} else if (!strcmp(argv[i], "--interval") && v) {
			popts.interval_ms = (uint32_t)strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(argv[i], "--duration") && v) {
			duration = atof(v);
			i++;
		} else {
			usage(stderr);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	err = metrics_server__open_and_load(&skel);
	if (!err)
		err = metrics_server__attach(skel); /* raw_tp/sys_enter */
	if (err) {
		fprintf(stderr, "metrics-server: %s\n", evbpf_errmsg());
		goto out;
	}

	uv_loop_init(&loop);
	srv.loop = &loop;
	err = evbpf_uv_reactor_new(&loop, &reactor);
	if (!err)
		err = evbpf_mappoll_new(skel->maps.syscalls, on_snapshot, &srv, &popts, &poll);
	if (!err)
		err = evbpf_mappoll_start(poll, reactor);
	if (err) {
		fprintf(stderr, "metrics-server: %s\n", evbpf_errmsg());
		goto out_loop;
	}
	uv_tcp_init(&loop, &srv.listener);
	srv.listener.data = &srv;
	uv_ip4_addr("127.0.0.1", port, &addr);
	err = uv_tcp_bind(&srv.listener, (const struct sockaddr *)&addr, 0);
	if (!err)
		err = uv_listen((uv_stream_t *)&srv.listener, 64, on_connection);
	if (!err)
		err = uv_tcp_getsockname(&srv.listener, (struct sockaddr *)&addr, &namelen);
	if (err) {
		fprintf(stderr, "metrics-server: 127.0.0.1:%d: %s\n", port, uv_strerror(err));
		goto out_loop;
	}
	uv_signal_init(&loop, &srv.sigint);
	uv_signal_init(&loop, &srv.sigterm);
	uv_signal_start(&srv.sigint, on_stop_signal, SIGINT);
	uv_signal_start(&srv.sigterm, on_stop_signal, SIGTERM);
	uv_timer_init(&loop, &srv.duration);
	if (duration > 0)
		uv_timer_start(&srv.duration, on_duration, (uint64_t)(duration * 1000), 0);

	printf("metrics-server: serving http://127.0.0.1:%d/metrics (snapshot every %u ms, "
	       "off the loop thread)\n",
	       ntohs(addr.sin_port), popts.interval_ms ? popts.interval_ms : 1000);
	uv_run(&loop, UV_RUN_DEFAULT);
	ret = 0;
	printf("metrics-server: %llu requests, %llu snapshots\n", (unsigned long long)srv.requests,
	       (unsigned long long)srv.seq);

out_loop:
	/* A snapshot still being taken on the pool is dropped by free. */
	evbpf_mappoll_free(poll);
	evbpf_reactor_free(reactor);
	uv_walk(&loop, close_handle, &srv);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		fprintf(stderr, "metrics-server: the loop did not close cleanly\n");
	free(srv.procs);
out:
	metrics_server__destroy(skel);
	return ret;
}
