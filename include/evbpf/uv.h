/* SPDX-License-Identifier: MIT */
/* The libuv reactor: evbpf consumers as handles on a uv_loop_t. */
#ifndef EVBPF_UV_H
#define EVBPF_UV_H

#include <uv.h>
#include <evbpf/async.h>

#ifdef __cplusplus
extern "C" {
#endif

EVBPF_API int evbpf_uv_reactor_new(uv_loop_t *loop, struct evbpf_reactor **reactorp);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_UV_H */
