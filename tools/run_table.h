/* SPDX-License-Identifier: MIT */
/*
 * `evbpf run` records as a table, for an operator at a terminal (or with
 * --table): a header line, then one row per record, columns aligned.
 *
 *   TIME     PID     COMM            PAIR.LO PAIR.HI ARGS
 *   14:02:11    4711 bash                  1       2 ls -l /tmp
 *
 * TIME is the wall-clock time the record was read (local, HH:MM:SS). The
 * other columns are the record type's leaves (json_btf_columns(): nested
 * structs flattened as a.b, names upper-cased), each as wide as its type
 * needs: integers their widest decimal value (capped at 16), enums their
 * longest name, char arrays their longest string (capped at 24); a column
 * is at least as wide as its name. Numbers are right-aligned and never
 * cut; text longer than its column is cut and ends with '~', except in the
 * last column, which is never cut. A member past the end of a short record
 * shows '-'. A record without a type shows its bytes in hex in one DATA
 * column. When records of several maps are shown, a MAP column follows
 * TIME. The header is printed again whenever the layout changes (another
 * map or record type than the previous row).
 */
#ifndef EVBPF_TOOL_RUN_TABLE_H
#define EVBPF_TOOL_RUN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_btf.h"

struct run_table;

/* show_map: add the MAP column. NULL when out of memory. */
struct run_table *run_table_new(bool show_map);
void run_table_free(struct run_table *t); /* NULL-safe */

/*
 * Append to out the row of a record of `size` bytes read from map `map`
 * at wall-clock time `when`, decoded as type_id of btf (0: hex), preceded
 * by the header when the layout differs from the previous row's. map must
 * stay valid while the table lives. 0, or -ENOMEM.
 */
int run_table_row(struct run_table *t, struct jbuf *out, const char *map,
                  const struct evbpf_btf *btf, uint32_t type_id, const void *data, size_t size,
                  const struct timespec *when);

/* when as ISO 8601 local time with microseconds and the UTC offset:
 * "2024-05-01T14:02:11.123456+02:00". */
void run_format_iso8601(const struct timespec *when, char *buf, size_t size);

#endif
