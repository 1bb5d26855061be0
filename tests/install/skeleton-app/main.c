/* The skeleton's events on a libuv loop: three getppid() calls from a
 * timer, three records back. Exit 77 when the kernel refuses BPF here. */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <uv.h>
#include <evbpf/uv.h>

#include "app.skel.h"

struct event {
	int pid;
	unsigned int seq;
};

static unsigned int received;

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct event *e = data;

	if (size != sizeof(*e) || e->pid != getpid() || e->seq != received)
		return -1;
	printf("event %u from pid %d\n", e->seq, e->pid);
	if (++received == 3)
		uv_stop(ctx);
	return 0;
}

static void on_timer(uv_timer_t *t)
{
	syscall(SYS_getppid);
	(void)t;
}

int main(void)
{
	struct evbpf_reactor *reactor = NULL;
	struct evbpf_ringbuf *rb = NULL;
	struct app *skel = NULL;
	uv_timer_t timer;
	uv_loop_t loop;
	int err;

	err = app__open(&skel);
	if (err)
		goto fail;
	skel->rodata->target_pid = getpid();
	skel->rodata->target_nr = SYS_getppid;
	err = app__load(skel);
	if (err == -EPERM) {
		printf("SKIP: %s\n", evbpf_errmsg());
		app__destroy(skel);
		return 77;
	}
	if (!err)
		err = app__attach(skel);
	if (err)
		goto fail;
	uv_loop_init(&loop);
	err = evbpf_uv_reactor_new(&loop, &reactor);
	if (!err)
		err = evbpf_ringbuf_new(skel->maps.events, on_event, &loop, &rb);
	if (!err)
		err = evbpf_ringbuf_start(rb, reactor);
	if (err)
		goto fail;
	uv_timer_init(&loop, &timer);
	uv_timer_start(&timer, on_timer, 0, 10);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&timer, NULL);
	evbpf_ringbuf_free(rb);
	evbpf_reactor_free(reactor);
	uv_run(&loop, UV_RUN_DEFAULT);
	err = uv_loop_close(&loop);
	/* The counter in .bss, read as memory: every call the program saw. */
	printf("received %u events, .bss seen = %u, loop close %d\n", received, skel->bss->seen,
	       err);
	err = received == 3 && skel->bss->seen >= 3 && err == 0 ? 0 : 1;
	app__destroy(skel);
	return err;
fail:
	fprintf(stderr, "app: %s\n", evbpf_errmsg());
	app__destroy(skel);
	return 1;
}
