/* SPDX-License-Identifier: MIT */
/*
 * Which type the records of a ring buffer or perf event array have
 * (tools/record_type.c), for evbpf run.
 *
 * The programs say it: a record is what bpf_ringbuf_reserve() returns and
 * the program fills, or what bpf_ringbuf_output()/bpf_perf_event_output()
 * is given. The finder scans the opened object's instructions for those
 * calls, with the map, the size and where the data lives (a stack slot, a
 * map value), and matches them with the local variables the object's DWARF
 * describes in the function around each call. A type found only in DWARF
 * is converted into a copy of the object's BTF, which the JSON decoder
 * then reads. Without DWARF, a BTF guess is taken only when it cannot be
 * wrong in a way that matters: the map's value type, a struct named like
 * the map, or the only struct of the record's size.
 */
#ifndef EVBPF_TOOL_RECORD_TYPE_H
#define EVBPF_TOOL_RECORD_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbpf_object;
struct evbpf_map;
struct evbpf_btf;
struct record_finder;

enum record_type_status {
	RECORD_TYPE_FOUND,     /* type_id */
	RECORD_TYPE_AMBIGUOUS, /* several candidates: detail names them */
	RECORD_TYPE_NOT_FOUND, /* call sites, but no candidate: detail says why */
	RECORD_TYPE_NO_INFO,   /* nothing to go by (no DWARF, no call site): guess by size */
};

struct record_type {
	enum record_type_status status;
	uint32_t type_id; /* in record_finder_btf() */
	char detail[256]; /* "struct a, struct b", or what was missing */
};

/*
 * Read the object's DWARF (when it has any) and scan its programs; call it
 * after evbpf_object_open*() and before the load, which rewrites the
 * instructions. A malformed DWARF is not an error: warn (set, when non-NULL,
 * to a line saying why) tells, and the finder goes on without it.
 */
int record_finder_new(struct evbpf_object *obj, struct record_finder **fp, char *warn,
                      size_t warn_size);
void record_finder_free(struct record_finder *f);
/* The BTF to decode records with: the object's, plus the types converted
 * from DWARF (NULL when the object has neither). */
const struct evbpf_btf *record_finder_btf(const struct record_finder *f);
/* Whether the object had DWARF the finder could read. */
bool record_finder_has_dwarf(const struct record_finder *f);
/* The record type of a ring buffer or perf event array. */
int record_finder_find(struct record_finder *f, const struct evbpf_map *map,
                       struct record_type *out);
/* A type by its C name ("struct event", "event_t", "u32"), from the BTF or
 * else converted from the DWARF; the id or -ENOENT. */
int record_finder_named(struct record_finder *f, const char *spec);

/*
 * Without call sites to go by: the BTF guess for a record of rec_size
 * bytes, but only when it is unambiguous (the map's value type, a struct
 * named like the map, or the only struct that fits). 0 and a reason in why
 * otherwise ("12 structs of 48 bytes: struct a, struct b, ...").
 */
uint32_t record_type_guess_strict(const struct evbpf_btf *btf, const char *map_name,
                                  uint32_t value_type_id, size_t rec_size, bool perf, char *why,
                                  size_t why_size);

#endif
