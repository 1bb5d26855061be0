/* SPDX-License-Identifier: MIT */
/* Records as aligned table rows for `evbpf run` (see run_table.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_table.h"

#define TABLE_LAYOUTS 8
#define TIME_WIDTH    8 /* HH:MM:SS */
#define CUT_MARK      '~'

/* The columns of one (map, record type): computed once, kept while the
 * table lives (records of one map switch between a few types at most). */
struct layout {
	const char *map;
	const struct evbpf_btf *btf;
	uint32_t type_id; /* 0: hex */
	struct json_btf_col *cols;
	unsigned int *widths;
	int nr_cols;
	unsigned int map_width;
};

struct run_table {
	bool show_map;
	struct layout layouts[TABLE_LAYOUTS];
	size_t nr_layouts;
	size_t next_evict;
	const struct layout *headed; /* the layout of the last header printed */
	struct jbuf cell;
};

struct run_table *run_table_new(bool show_map)
{
	struct run_table *t = calloc(1, sizeof(*t));

	if (t)
		t->show_map = show_map;
	return t;
}

static void layout_clear(struct layout *l)
{
	free(l->cols);
	free(l->widths);
	memset(l, 0, sizeof(*l));
}

void run_table_free(struct run_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr_layouts; i++)
		layout_clear(&t->layouts[i]);
	jbuf_free(&t->cell);
	free(t);
}

/* Terminal columns the UTF-8 text takes: one per character (wide CJK
 * characters are rare in records and counted as one). */
static size_t display_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* Bytes of s that make its first `cols` characters. */
static size_t prefix_bytes(const char *s, size_t len, size_t cols)
{
	size_t i = 0;

	for (size_t w = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && w++ == cols)
			break;
	}
	return i;
}

static void put_spaces(struct jbuf *out, size_t n)
{
	while (n--)
		jbuf_putc(out, ' ');
}

/* One cell: s padded to width (right-aligned when numeric), cut with the
 * mark when it is text and too wide, as it is when last. */
static void put_cell(struct jbuf *out, const char *s, size_t len, unsigned int width, bool numeric,
                     bool last)
{
	size_t w = display_width(s, len);
	size_t i;

	if (w > width && !numeric && !last) {
		len = prefix_bytes(s, len, width - 1);
		for (i = 0; i < len; i++)
			jbuf_putc(out, s[i]);
		jbuf_putc(out, CUT_MARK);
		return;
	}
	if (numeric && w < width)
		put_spaces(out, width - w);
	for (i = 0; i < len; i++)
		jbuf_putc(out, s[i]);
	if (!numeric && !last && w < width)
		put_spaces(out, width - w);
}

static int layout_init(struct layout *l, const char *map, const struct evbpf_btf *btf,
                       uint32_t type_id)
{
	int n = 0;

	l->map = map;
	l->btf = btf;
	l->type_id = type_id;
	l->map_width = (unsigned int)strlen(map);
	if (l->map_width < 3)
		l->map_width = 3;
	if (type_id) {
		l->cols = calloc(JSON_BTF_MAX_COLS, sizeof(*l->cols));
		if (!l->cols)
			return -ENOMEM;
		n = json_btf_columns(btf, type_id, l->cols, JSON_BTF_MAX_COLS);
		if (n < 0) {
			/* Not a type after all: its records show in hex. */
			n = 0;
			l->type_id = 0;
		}
	}
	l->widths = calloc(n ? (size_t)n : 1, sizeof(*l->widths));
	if (!l->widths) {
		layout_clear(l);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		size_t name_len = strlen(l->cols[i].name);

		l->widths[i] =
		    l->cols[i].width > name_len ? l->cols[i].width : (unsigned int)name_len;
	}
	l->nr_cols = n;
	return 0;
}

static struct layout *find_layout(struct run_table *t, const char *map, const struct evbpf_btf *btf,
                                  uint32_t type_id)
{
	struct layout *l;

	for (size_t i = 0; i < t->nr_layouts; i++) {
		l = &t->layouts[i];
		if (l->map == map && l->btf == btf && l->type_id == type_id)
			return l;
	}
	if (t->nr_layouts < TABLE_LAYOUTS) {
		l = &t->layouts[t->nr_layouts++];
	} else {
		/* Full: reuse the oldest slot; its header is printed again
		 * should it come back. */
		l = &t->layouts[t->next_evict];
		t->next_evict = (t->next_evict + 1) % TABLE_LAYOUTS;
		if (t->headed == l)
			t->headed = NULL;
		layout_clear(l);
	}
	if (layout_init(l, map, btf, type_id)) {
		/* Leave the slot empty but valid: it matches nothing. */
		memset(l, 0, sizeof(*l));
		l->type_id = UINT32_MAX;
		return NULL;
	}
	return l;
}

static void put_header(struct jbuf *out, const struct run_table *t, const struct layout *l)
{
	char name[JSON_BTF_COL_NAME];

	put_cell(out, "TIME", 4, TIME_WIDTH, false, false);
	if (t->show_map) {
		jbuf_putc(out, ' ');
		put_cell(out, "MAP", 3, l->map_width, false, false);
	}
	if (!l->type_id || !l->nr_cols) {
		jbuf_puts(out, " DATA\n");
		return;
	}
	for (int i = 0; i < l->nr_cols; i++) {
		size_t len = strlen(l->cols[i].name);

		for (size_t k = 0; k <= len; k++)
			name[k] = (char)toupper((unsigned char)l->cols[i].name[k]);
		jbuf_putc(out, ' ');
		put_cell(out, name, len, l->widths[i], l->cols[i].numeric, i == l->nr_cols - 1);
	}
	jbuf_putc(out, '\n');
}

int run_table_row(struct run_table *t, struct jbuf *out, const char *map,
                  const struct evbpf_btf *btf, uint32_t type_id, const void *data, size_t size,
                  const struct timespec *when)
{
	struct layout *l = find_layout(t, map, btf, type_id);
	char hms[16] = "??:??:??";
	struct tm tm;

	if (!l)
		return -ENOMEM;
	if (t->headed != l) {
		put_header(out, t, l);
		t->headed = l;
	}
	if (localtime_r(&when->tv_sec, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	put_cell(out, hms, strlen(hms), TIME_WIDTH, false, false);
	if (t->show_map) {
		jbuf_putc(out, ' ');
		put_cell(out, map, strlen(map), l->map_width, false, false);
	}
	if (!l->type_id || !l->nr_cols) {
		jbuf_putc(out, ' ');
		jbuf_reset(&t->cell);
		jbuf_hex(&t->cell, data, size);
		/* Without the quotes of the JSON string. */
		if (t->cell.len >= 2)
			put_cell(out, t->cell.p + 1, t->cell.len - 2, 0, false, true);
	}
	for (int i = 0; i < l->nr_cols; i++) {
		const struct json_btf_col *c = &l->cols[i];
		int err;

		jbuf_reset(&t->cell);
		err = json_btf_col_text(&t->cell, btf, type_id, c, data, size);
		if (err || t->cell.oom || !t->cell.p) {
			jbuf_reset(&t->cell);
			jbuf_puts(&t->cell, err == 1 ? "-" : "?");
		}
		jbuf_putc(out, ' ');
		put_cell(out, t->cell.p, t->cell.len, l->widths[i], c->numeric,
		         i == l->nr_cols - 1);
	}
	jbuf_putc(out, '\n');
	return out->oom ? -ENOMEM : 0;
}

void run_format_iso8601(const struct timespec *when, char *buf, size_t size)
{
	char date[32] = "", zone[8] = "";
	struct tm tm;

	if (!localtime_r(&when->tv_sec, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	/* +0200 -> +02:00, as ISO 8601's extended format writes it. */
	if (strlen(zone) == 5)
		snprintf(buf, size, "%s.%06ld%.3s:%s", date, when->tv_nsec / 1000, zone, zone + 3);
	else
		snprintf(buf, size, "%s.%06ldZ", date, when->tv_nsec / 1000);
}
