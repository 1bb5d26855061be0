/* SPDX-License-Identifier: MIT */
/*
 * Errors and logging. evbpf_errmsg() is per thread (a thread-local buffer)
 * so concurrent users of distinct objects never see each other's detail.
 * The log callback is the one piece of global mutable state; it is swapped
 * under a lock-free pointer pair guarded by a mutex for writers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ERRMSG_SIZE 8192

static _Thread_local char errmsg_buf[ERRMSG_SIZE];

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static evbpf_log_fn log_fn;
static void *log_ctx;
static enum evbpf_log_level log_max = EVBPF_LOG_WARN;
static int log_env_checked;

static void default_log(enum evbpf_log_level level, const char *msg, void *ctx)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	(void)ctx;
	fprintf(stderr, "evbpf: %s: %s\n", names[level], msg);
}

EVBPF_API void evbpf_set_log(evbpf_log_fn fn, void *ctx, enum evbpf_log_level max_level)
{
	pthread_mutex_lock(&log_lock);
	log_fn = fn;
	log_ctx = ctx;
	log_max = max_level;
	log_env_checked = 1;
	pthread_mutex_unlock(&log_lock);
}

/* The default sink prints only when EVBPF_LOG asks for it: a library must
 * not write to stderr behind its user's back. */
static void log_env_init(void)
{
	const char *env = getenv("EVBPF_LOG");

	log_env_checked = 1;
	if (!env || !*env) {
		log_max = EVBPF_LOG_ERROR;
		log_fn = NULL;
		return;
	}
	log_fn = default_log;
	if (!strcmp(env, "debug"))
		log_max = EVBPF_LOG_DEBUG;
	else if (!strcmp(env, "info"))
		log_max = EVBPF_LOG_INFO;
	else
		log_max = EVBPF_LOG_WARN;
}

static void log_vemit(enum evbpf_log_level level, const char *fmt, va_list ap)
{
	evbpf_log_fn fn;
	void *ctx;
	char msg[1024];

	pthread_mutex_lock(&log_lock);
	if (!log_env_checked)
		log_env_init();
	fn = log_fn;
	ctx = log_ctx;
	if (level > log_max)
		fn = NULL;
	pthread_mutex_unlock(&log_lock);
	if (!fn)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fn(level, msg, ctx);
}

void evbpf__log(enum evbpf_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, fmt, ap);
	va_end(ap);
}

int evbpf__err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg_buf, sizeof(errmsg_buf), fmt, ap);
	va_end(ap);
	evbpf__log(EVBPF_LOG_WARN, "%s", errmsg_buf);
	return err;
}

int evbpf__err_null_map(const char *who)
{
	char prev[1024];
	size_t len = strnlen(errmsg_buf, sizeof(prev) - 1);

	memcpy(prev, errmsg_buf, len);
	prev[len] = '\0';
	if (!prev[0])
		return evbpf__err(-EINVAL, "%s: NULL map", who);
	return evbpf__err(-EINVAL, "%s: NULL map (the error before this one: %s)", who, prev);
}

void evbpf__errmsg_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg_buf, sizeof(errmsg_buf), fmt, ap);
	va_end(ap);
	evbpf__log(EVBPF_LOG_DEBUG, "%s", errmsg_buf);
}

void evbpf__errmsg_append(const char *text)
{
	size_t len = strlen(errmsg_buf);

	if (len < sizeof(errmsg_buf) - 1)
		snprintf(errmsg_buf + len, sizeof(errmsg_buf) - len, "%s", text);
}

void evbpf__errmsg_clear(void)
{
	errmsg_buf[0] = '\0';
}

EVBPF_API const char *evbpf_errmsg(void)
{
	return errmsg_buf;
}

EVBPF_API const char *evbpf_strerror(int err)
{
	static _Thread_local char buf[128];

	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "Success";
	case ENOTSUP:
		return "Operation not supported by evbpf or the running kernel";
	default:
		/* strerror_r (GNU) may return a static string or fill buf. */
		return strerror_r(err, buf, sizeof(buf));
	}
}

EVBPF_API unsigned int evbpf_version(void)
{
	return EVBPF_VERSION_HEX;
}

EVBPF_API const char *evbpf_version_string(void)
{
	return EVBPF_VERSION_STRING;
}
