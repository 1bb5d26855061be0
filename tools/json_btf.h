/* SPDX-License-Identifier: MIT */
/*
 * JSON output for the evbpf tool: a growable text buffer, and a decoder that
 * turns bytes into JSON through BTF (structs field by field, bitfields,
 * enums by name, char arrays as strings). The BTF comes from an object file
 * and the bytes from a BPF program, so neither is trusted: every read is
 * bounds-checked against the record, recursion is bounded, and the output
 * a record may produce is budgeted.
 */
#ifndef EVBPF_TOOL_JSON_BTF_H
#define EVBPF_TOOL_JSON_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbpf_btf;

struct jbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom; /* an append failed; the content is incomplete */
};

void jbuf_free(struct jbuf *b);
void jbuf_reset(struct jbuf *b);
void jbuf_putc(struct jbuf *b, char c);
void jbuf_puts(struct jbuf *b, const char *s);
void jbuf_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal of len bytes: stops at the first NUL when
 * stop_at_nul; bytes that are not valid UTF-8 are escaped as \u00XX. */
void jbuf_str(struct jbuf *b, const void *s, size_t len, bool stop_at_nul);
/* A JSON string of lower-case hex digits. */
void jbuf_hex(struct jbuf *b, const void *data, size_t len);

/* Nested types deeper than this decode as null. */
#define JSON_BTF_MAX_DEPTH 32
/* Values (numbers, strings, containers) one record may produce. */
#define JSON_BTF_MAX_NODES (1u << 22)

struct json_btf_result {
	/* Some members or elements lay (partly) past the end of the data
	 * and were left out. */
	bool truncated;
	/* A flexible array member at the end (`char data[]`) took the
	 * bytes past the type's size. */
	bool flex_tail;
};

/*
 * Append the JSON value of `size` bytes at `data` read as BTF type `type_id`.
 * Returns 0, or -E2BIG when the value would exceed JSON_BTF_MAX_NODES
 * (the buffer then holds a partial value: the caller rewinds it), -EINVAL
 * when type_id is not a type.
 */
int json_btf_value(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                   const void *data, size_t size, struct json_btf_result *res);
/* The same with a budget of max_nodes values instead of the default. */
int json_btf_value_budget(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                          const void *data, size_t size, size_t max_nodes,
                          struct json_btf_result *res);

/*
 * A type named like C names it: "struct event", "union u", "enum e", or a
 * bare name (typedef, struct, union, enum or base type, in that order).
 * Returns the type id or -ENOENT.
 */
int json_btf_find_type(const struct evbpf_btf *btf, const char *spec);

/* "struct event", "u32", ... for messages and output; "?" when unnamed. */
void json_btf_type_name(const struct evbpf_btf *btf, uint32_t id, char *buf, size_t size);

/* Size in bytes of a type (through modifiers and arrays), or -errno. */
int64_t json_btf_size(const struct evbpf_btf *btf, uint32_t id);

/*
 * The record type of a ring buffer or perf event array named map_name for a
 * record of rec_size bytes, found without being told:
 *  1. value_type_id (the map definition's __type(value, ...)) when its size
 *     fits the record;
 *  2. a struct named like the map ("events" -> "event", "events",
 *     "exec_events" -> "exec_event", "rb" -> none) whose size fits;
 *  3. the only struct in the BTF whose size fits.
 * "Fits" is size == rec_size, or for perf records (padded) any size that
 * pads to rec_size. Map definitions (.maps) never qualify. Returns the id
 * or 0 when nothing fits unambiguously.
 */
uint32_t json_btf_guess_record_type(const struct evbpf_btf *btf, const char *map_name,
                                    uint32_t value_type_id, size_t rec_size, bool perf_padded);

/* Whether a type of `type_size` bytes can be a record of rec_size bytes. */
bool json_btf_size_fits(int64_t type_size, size_t rec_size, bool perf_padded);

/*
 * Whether struct type_id can be a record of rec_size bytes with a variable
 * tail: its last member is an array that starts within the record, and the
 * record ends inside it (a fixed array filled in part, as in
 * bpf_perf_event_output(..., offsetof(struct e, args) + len)) or past the
 * struct (a flexible array member).
 */
bool json_btf_tail_fits(const struct evbpf_btf *btf, uint32_t type_id, size_t rec_size);

#endif
