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
/* How far from a char array its count or size member may be. */
#define JSON_BTF_SIBLING_SPAN 8
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
 *
 * Records shorter than their type. A struct whose last member is an array
 * (fixed or flexible) has a fixed part that ends where that array begins:
 * programs send such records cut to what the array holds
 * (bpf_perf_event_output(ctx, &events, flags, e, offsetof(struct e, args)
 * + len)), so a record that ends inside that array is whole, and the array
 * shows the elements that are there. The array is found through nested
 * structs that are themselves the last member. Any other member left out,
 * or cut, sets `truncated`.
 *
 * Char arrays print as strings up to the first NUL: bytes past it in a
 * fixed-size array are usually stale (a reused ring buffer slot that
 * bpf_probe_read_str() did not clear), so they are never shown. The
 * exception is a char array X that holds several NUL-separated strings,
 * as execsnoop's `char args[]` holds argv; it prints as a list of strings
 * (in text mode, joined by spaces) when
 *  1. its struct has an integer member named X_count, X_cnt or nr_X: a
 *     list always (even of one string or none), of at most that many
 *     strings; or
 *  2. its content holds more than one string, all printable (no control
 *     characters but tab), and its end is known: an integer member named
 *     X_size or X_len gives the content's length, or X is the record's
 *     variable tail (above) and the record ends inside it.
 * Such members count when they are among the JSON_BTF_SIBLING_SPAN members
 * before or after X in the same struct, whole integers inside the record.
 * The content is the array's bytes in the record, cut to X_size / X_len
 * when such a member exists (and is not negative); trailing NULs are
 * padding, not empty strings. A lone string with such a length member is
 * cut to that length, NUL or not.
 *
 * Returns 0, or -E2BIG when the value would exceed JSON_BTF_MAX_NODES
 * (the buffer then holds a partial value: the caller rewinds it), -EINVAL
 * when type_id is not a type.
 */
int json_btf_value(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                   const void *data, size_t size, struct json_btf_result *res);
/* Text mode (tables): strings and enum names without quotes, lists of
 * strings joined by spaces, pointers and wide integers as bare 0x...;
 * structs inside stay JSON. */
#define JSON_BTF_TEXT (1u << 0)
/* The same with JSON_BTF_* flags. */
int json_btf_value_flags(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                         const void *data, size_t size, unsigned int flags,
                         struct json_btf_result *res);
/* The same with a budget of max_nodes values instead of the default. */
int json_btf_value_budget(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                          const void *data, size_t size, size_t max_nodes,
                          struct json_btf_result *res);

/* ---- table columns (evbpf run's table output, tools/run_table.c) ---- */

#define JSON_BTF_COL_NAME 64
#define JSON_BTF_MAX_COLS 128

/*
 * One column of a record shown as a table: a leaf of the record type.
 * Structs and unions are flattened (member "pair" of struct {lo, hi}
 * gives "pair.lo" and "pair.hi"; anonymous ones add no prefix); anything
 * else (numbers, enums, bitfields, pointers, arrays) is one column. A
 * record type that is not a struct or union is a single column "value".
 */
struct json_btf_col {
	char name[JSON_BTF_COL_NAME];
	uint32_t parent;     /* the struct or union holding the member; 0: the record */
	uint16_t member;     /* the member's index in parent */
	uint64_t parent_off; /* parent's byte offset in the record */
	/* Display width the type needs: integers their widest decimal
	 * value (capped at JSON_BTF_INT_WIDTH), enums their longest name,
	 * char arrays their longest string, other arrays an estimate; 24
	 * at most for arrays. */
	unsigned int width;
	bool numeric; /* right-aligned */
};

#define JSON_BTF_INT_WIDTH 16

/* The columns of type_id, at most max: their count (the first max when
 * the type has more), or -EINVAL when type_id is not a type. */
int json_btf_columns(const struct evbpf_btf *btf, uint32_t type_id, struct json_btf_col *cols,
                     size_t max);

/*
 * Append the text of one column of a record of type type_id (as
 * json_btf_value with JSON_BTF_TEXT). Returns 0, 1 when the column's
 * member lies past the end of the record (nothing appended), or -errno.
 */
int json_btf_col_text(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                      const struct json_btf_col *col, const void *data, size_t size);

/* Append len bytes as text: like jbuf_str without the quotes, and without
 * escaping '"' or '\'; control characters and bytes that are not UTF-8
 * as \n, \t, \r or \xNN. */
void jbuf_text(struct jbuf *b, const void *s, size_t len, bool stop_at_nul);

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

/* Whether id is the type of a variable in .maps (a map definition). */
bool json_btf_is_map_def(const struct evbpf_btf *btf, uint32_t id);

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
