/* SPDX-License-Identifier: MIT */
/* The libuv reactor: evbpf consumers as handles on a uv_loop_t. */
#ifndef EVBPF_UV_H
#define EVBPF_UV_H

#include <uv.h>
#include <evbpf/async.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A reactor on a libuv loop: consumers started on it become uv_poll_t and
 * uv_timer_t handles, and off-loop work goes to uv_queue_work. The loop
 * must outlive the reactor. Free it with evbpf_reactor_free() on the loop
 * thread; handle memory is released in libuv close callbacks, so run the
 * loop once more before uv_loop_close(), which then returns 0.
 */
EVBPF_API int evbpf_uv_reactor_new(uv_loop_t *loop, struct evbpf_reactor **reactorp);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_UV_H */
