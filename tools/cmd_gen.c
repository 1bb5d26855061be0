/* SPDX-License-Identifier: MIT */
/*
 * evbpf gen skeleton FILE.bpf.o [--name NAME] [-o OUT]: a C header that
 * embeds a BPF object and gives typed access to it.
 *
 * What it writes, for an object NAME:
 *  - struct NAME__SEC for each global data section that has variables
 *    (bss, data, rodata, data_X for .data.X ...), laid out from the
 *    section's BTF: every global variable at its offset, char arrays for
 *    the gaps (static variables, alignment), a tail up to the section's
 *    size. Types come from core/btf_dump.c in skeleton mode, spelled out
 *    so that the header needs no other definitions; static assertions
 *    check every offset and size against BTF wherever the header is
 *    compiled.
 *  - struct NAME: the object, its maps (data-section maps too), programs
 *    and links by name, and a pointer per data section.
 *  - static inline NAME__open, __open_opts, __load, __open_and_load,
 *    __attach, __detach, __destroy, __elf_bytes, which compile as C and
 *    C++ without warnings (-Wall -Wextra).
 *
 * Names in the object become C identifiers: a data section's name loses
 * its dot and any other character that C does not allow becomes '_'
 * (".data.my-sec" is data_my_sec). Two members that would end up with the
 * same name, or names that cannot be made identifiers, are refused.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "tool.h"

struct gen_var {
	const char *name;
	char *decl; /* "TYPE NAME" */
	uint32_t type;
	uint32_t offset;
	uint32_t size;
};

struct gen_sec {
	const struct evbpf_map *map;
	char ident[128];
	uint32_t size;
	struct gen_var *vars;
	size_t nr_vars;
};

struct gen {
	const char *name; /* the skeleton's name, an identifier */
	const struct evbpf_object *obj;
	const uint8_t *elf;
	size_t elf_size;
	struct gen_sec *secs;
	size_t nr_secs;
	struct evbpf_btf_dump *printer;
	FILE *out;
};


static bool is_ident(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* An identifier from a name: leading dots dropped, other characters C does
 * not allow replaced by '_'. Empty when nothing is left. */
static void make_ident(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (*src == '.')
		src++;
	for (; *src && n + 1 < size; src++)
		dst[n++] = isalnum((unsigned char)*src) ? *src : '_';
	dst[n] = '\0';
}

/* The default name: the file's base name up to ".bpf.o" or ".o". */
static void default_name(char *dst, size_t size, const char *path)
{
	const char *base = strrchr(path, '/');
	char tmp[256];
	char *dot;

	snprintf(tmp, sizeof(tmp), "%s", base ? base + 1 : path);
	dot = strstr(tmp, ".bpf.o");
	if (!dot)
		dot = strrchr(tmp, '.');
	if (dot && dot != tmp)
		*dot = '\0';
	make_ident(dst, size, tmp);
}

static int cmp_var(const void *a, const void *b)
{
	const struct gen_var *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The variables a data section shows: global (not static) ones with
 * names C accepts, sorted by offset. */
static int collect_vars(struct gen *g, struct gen_sec *sec)
{
	const struct evbpf_btf *btf = g->obj->btf;
	const struct btf_var_secinfo *v;
	const struct btf_type *ds;
	int id;

	if (!btf)
		return 0;
	id = evbpf__btf_find(btf, evbpf_map_name(sec->map), BTF_KIND_DATASEC);
	if (id <= 0)
		return 0;
	ds = evbpf__btf_type(btf, (uint32_t)id);
	v = (const struct btf_var_secinfo *)(ds + 1);
	sec->vars = calloc(evbpf__btf_vlen(ds) + 1, sizeof(*sec->vars));
	if (!sec->vars)
		return -ENOMEM;
	for (uint16_t i = 0; i < evbpf__btf_vlen(ds); i++) {
		const struct btf_type *var = evbpf__btf_type(btf, v[i].type);
		const char *name = evbpf__btf_name(btf, v[i].type);

		if (!var || evbpf__btf_kind(var) != BTF_KIND_VAR)
			continue;
		if (((const struct btf_var *)(var + 1))->linkage == BTF_VAR_STATIC)
			continue;
		if (!name || !is_ident(name)) {
			fprintf(stderr,
			        "evbpf: gen skeleton: skipping variable '%s' of '%s': not a "
			        "C identifier\n",
			        name ? name : "?", evbpf_map_name(sec->map));
			continue;
		}
		if ((uint64_t)v[i].offset + v[i].size > sec->size)
			return evbpf__err(-EINVAL, "gen skeleton: variable '%s' lies outside '%s'",
			                  name, evbpf_map_name(sec->map));
		sec->vars[sec->nr_vars] = (struct gen_var){
		    .name = name, .type = var->type, .offset = v[i].offset, .size = v[i].size};
		sec->vars[sec->nr_vars].decl = evbpf__btf_decl(g->printer, var->type, name, 1);
		if (!sec->vars[sec->nr_vars++].decl)
			return evbpf_errmsg()[0] ? -EINVAL : -ENOMEM;
	}
	qsort(sec->vars, sec->nr_vars, sizeof(*sec->vars), cmp_var);
	for (size_t i = 1; i < sec->nr_vars; i++)
		if (sec->vars[i].offset < sec->vars[i - 1].offset + sec->vars[i - 1].size)
			return evbpf__err(-EINVAL,
			                  "gen skeleton: variables '%s' and '%s' overlap "
			                  "in '%s'",
			                  sec->vars[i - 1].name, sec->vars[i].name,
			                  evbpf_map_name(sec->map));
	return 0;
}

/* Whether a map is one the skeleton names: not an inner map template. */
static bool map_shown(const struct evbpf_map *m)
{
	return !(m->origin == EVBPF_MAP_BTF && m->sec_off == UINT64_MAX);
}

static int map_ident(const struct evbpf_map *m, char *dst, size_t size)
{
	make_ident(dst, size, evbpf_map_name(m));
	if (!is_ident(dst))
		return evbpf__err(-EINVAL, "gen skeleton: map '%s' has no name C can use",
		                  evbpf_map_name(m));
	return 0;
}

/* Every member name of maps, progs and links must be unique. */
static int check_names(const struct gen *g)
{
	const struct evbpf_object *obj = g->obj;
	char a[128], b[128];

	for (size_t i = 0; i < obj->nr_maps; i++) {
		if (!map_shown(&obj->maps[i]))
			continue;
		if (map_ident(&obj->maps[i], a, sizeof(a)))
			return -EINVAL;
		for (size_t j = i + 1; j < obj->nr_maps; j++) {
			if (!map_shown(&obj->maps[j]))
				continue;
			if (map_ident(&obj->maps[j], b, sizeof(b)))
				return -EINVAL;
			if (!strcmp(a, b))
				return evbpf__err(-EINVAL,
				                  "gen skeleton: maps '%s' and '%s' would "
				                  "both be maps.%s",
				                  obj->maps[i].name, obj->maps[j].name, a);
		}
	}
	for (size_t i = 0; i < obj->nr_progs; i++)
		if (!is_ident(obj->progs[i].name))
			return evbpf__err(-EINVAL,
			                  "gen skeleton: program '%s' has no name C "
			                  "can use",
			                  obj->progs[i].name);
	return 0;
}

static int collect(struct gen *g)
{
	const struct evbpf_object *obj = g->obj;
	int err;

	err = check_names(g);
	if (err)
		return err;
	g->secs = calloc(obj->nr_maps + 1, sizeof(*g->secs));
	if (!g->secs)
		return -ENOMEM;
	for (size_t i = 0; i < obj->nr_maps; i++) {
		struct gen_sec *sec = &g->secs[g->nr_secs];

		if (obj->maps[i].origin != EVBPF_MAP_DATA)
			continue;
		sec->map = &obj->maps[i];
		sec->size = obj->maps[i].value_size;
		map_ident(sec->map, sec->ident, sizeof(sec->ident));
		err = collect_vars(g, sec);
		if (err)
			return err;
		if (sec->nr_vars) {
			g->nr_secs++;
		} else {
			free(sec->vars);
			sec->vars = NULL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ output */

static void emit_preamble(struct gen *g, const char *path)
{
	const char *base = strrchr(path, '/');
	char guard[160], file[256];
	size_t i;

	snprintf(file, sizeof(file), "%s", base ? base + 1 : path);
	for (i = 0; file[i]; i++)
		if (!isalnum((unsigned char)file[i]) && !strchr("._-+", file[i]))
			file[i] = '_';
	snprintf(guard, sizeof(guard), "EVBPF_SKEL_%s_H", g->name);
	for (i = 0; guard[i]; i++)
		guard[i] = (char)toupper((unsigned char)guard[i]);
	fprintf(g->out,
	        "/* Generated by evbpf gen skeleton from %s: do not edit. */\n"
	        "#ifndef %s\n"
	        "#define %s\n\n"
	        "#include <errno.h>\n"
	        "#include <stddef.h>\n"
	        "#include <stdlib.h>\n"
	        "#include <string.h>\n"
	        "#ifndef __cplusplus\n"
	        "#include <stdbool.h>\n"
	        "#endif\n\n"
	        "#include <evbpf/evbpf.h>\n\n"
	        "#ifndef EVBPF_SKEL_ASSERT\n"
	        "#ifdef __cplusplus\n"
	        "#define EVBPF_SKEL_ASSERT(cond, msg) static_assert(cond, msg)\n"
	        "#else\n"
	        "#define EVBPF_SKEL_ASSERT(cond, msg) _Static_assert(cond, msg)\n"
	        "#endif\n"
	        "#endif\n\n",
	        file, guard, guard);
}

static int emit_section(struct gen *g, const struct gen_sec *sec)
{
	uint32_t cur = 0;
	unsigned pad = 0;

	fprintf(g->out, "/* %s */\nstruct %s__%s {\n", evbpf_map_name(sec->map), g->name,
	        sec->ident);
	for (size_t i = 0; i < sec->nr_vars; i++) {
		const struct gen_var *v = &sec->vars[i];

		if (v->offset > cur)
			fprintf(g->out, "\tchar __pad%u[%u];\n", pad++, v->offset - cur);
		fprintf(g->out, "\t%s;\n", v->decl);
		cur = v->offset + v->size;
	}
	if (sec->size > cur)
		fprintf(g->out, "\tchar __pad%u[%u];\n", pad, sec->size - cur);
	fprintf(g->out, "};\n\n");
	for (size_t i = 0; i < sec->nr_vars; i++) {
		const struct gen_var *v = &sec->vars[i];

		fprintf(g->out,
		        "EVBPF_SKEL_ASSERT(offsetof(struct %s__%s, %s) == %u,\n"
		        "\t\t  \"%s: %s is at offset %u of %s\");\n",
		        g->name, sec->ident, v->name, v->offset, g->name, v->name, v->offset,
		        evbpf_map_name(sec->map));
		fprintf(g->out,
		        "EVBPF_SKEL_ASSERT(sizeof(((struct %s__%s *)0)->%s) == %u,\n"
		        "\t\t  \"%s: %s has %u bytes\");\n",
		        g->name, sec->ident, v->name, v->size, g->name, v->name, v->size);
	}
	fprintf(g->out, "\n");
	return 0;
}

static void emit_skel_struct(struct gen *g)
{
	const struct evbpf_object *obj = g->obj;
	char ident[128];
	size_t n = 0;

	fprintf(g->out, "struct %s {\n\tstruct evbpf_object *obj;\n\tstruct {\n", g->name);
	for (size_t i = 0; i < obj->nr_maps; i++) {
		if (!map_shown(&obj->maps[i]))
			continue;
		map_ident(&obj->maps[i], ident, sizeof(ident));
		fprintf(g->out, "\t\tstruct evbpf_map *%s;\n", ident);
		n++;
	}
	/* C wants at least one member; nothing refers to this one. */
	if (!n)
		fprintf(g->out, "\t\tstruct evbpf_map *__none;\n");
	fprintf(g->out, "\t} maps;\n\tstruct {\n");
	for (size_t i = 0; i < obj->nr_progs; i++)
		fprintf(g->out, "\t\tstruct evbpf_program *%s;\n", obj->progs[i].name);
	if (!obj->nr_progs)
		fprintf(g->out, "\t\tstruct evbpf_program *__none;\n");
	fprintf(g->out, "\t} progs;\n\tstruct {\n");
	for (size_t i = 0; i < obj->nr_progs; i++)
		fprintf(g->out, "\t\tstruct evbpf_link *%s;\n", obj->progs[i].name);
	if (!obj->nr_progs)
		fprintf(g->out, "\t\tstruct evbpf_link *__none;\n");
	fprintf(g->out, "\t} links;\n");
	for (size_t i = 0; i < g->nr_secs; i++)
		fprintf(g->out, "\tstruct %s__%s *%s;\n", g->name, g->secs[i].ident,
		        g->secs[i].ident);
	fprintf(g->out, "};\n\n");
}

static void emit_elf_bytes(struct gen *g)
{
	fprintf(g->out,
	        "/* The object the skeleton was generated from (%zu bytes). */\n"
	        "static inline const void *%s__elf_bytes(size_t *sizep)\n"
	        "{\n"
	        "\tstatic const char data[] __attribute__((aligned(8))) =\n",
	        g->elf_size, g->name);
	for (size_t i = 0; i < g->elf_size; i++) {
		if (i % 32 == 0)
			fputs("\t\t\"", g->out);
		fprintf(g->out, "\\x%02x", g->elf[i]);
		if (i % 32 == 31 || i + 1 == g->elf_size)
			fputs(i + 1 == g->elf_size ? "\";\n" : "\"\n", g->out);
	}
	if (!g->elf_size)
		fputs("\t\t\"\";\n", g->out);
	fprintf(g->out, "\n"
	                "\tif (sizep)\n"
	                "\t\t*sizep = sizeof(data) - 1;\n"
	                "\treturn data;\n"
	                "}\n\n");
}

/* NAME__data_ptrs: the section pointers at the initial values (before
 * load) or at the mapped maps (after). */
static void emit_data_ptrs(struct gen *g)
{
	const char *n = g->name;

	fprintf(g->out, "static inline int %s__data_ptrs(struct %s *skel, int loaded)\n{\n", n, n);
	if (!g->nr_secs) {
		fprintf(g->out, "\t(void)skel;\n\t(void)loaded;\n\treturn 0;\n}\n\n");
		return;
	}
	fprintf(g->out, "\tvoid *mem;\n\tint err;\n\n");
	for (size_t i = 0; i < g->nr_secs; i++) {
		const char *s = g->secs[i].ident;

		fprintf(g->out,
		        "\tif (loaded) {\n"
		        "\t\terr = evbpf_map_mmap(skel->maps.%s, &mem, NULL);\n"
		        "\t\tif (err)\n"
		        "\t\t\treturn err;\n"
		        "\t} else {\n"
		        "\t\tmem = evbpf_map_initial_value(skel->maps.%s, NULL);\n"
		        "\t\tif (!mem)\n"
		        "\t\t\treturn -ENOENT;\n"
		        "\t}\n"
		        "\tskel->%s = (struct %s__%s *)mem;\n",
		        s, s, s, n, s);
	}
	fprintf(g->out, "\treturn 0;\n}\n\n");
}

static void emit_destroy(struct gen *g)
{
	const char *n = g->name;

	fprintf(g->out, "/* Detach every program; the object stays loaded. */\n");
	fprintf(g->out, "static inline void %s__detach(struct %s *skel)\n{\n", n, n);
	fprintf(g->out, "\tif (!skel)\n\t\treturn;\n");
	for (size_t i = 0; i < g->obj->nr_progs; i++)
		fprintf(g->out,
		        "\tevbpf_link_destroy(skel->links.%s);\n"
		        "\tskel->links.%s = NULL;\n",
		        g->obj->progs[i].name, g->obj->progs[i].name);
	fprintf(g->out, "}\n\n");
	fprintf(g->out,
	        "/* Detach, close the object (every fd and mapping) and free skel. NULL-safe. */\n"
	        "static inline void %s__destroy(struct %s *skel)\n"
	        "{\n"
	        "\tif (!skel)\n"
	        "\t\treturn;\n"
	        "\t%s__detach(skel);\n"
	        "\tevbpf_object_close(skel->obj);\n"
	        "\tfree(skel);\n"
	        "}\n\n",
	        n, n, n);
}

static void emit_open(struct gen *g)
{
	const struct evbpf_object *obj = g->obj;
	const char *n = g->name;
	char ident[128];

	fprintf(g->out,
	        "/*\n"
	        " * Open the embedded object (nothing is created in the kernel yet). The\n"
	        " * object is named \"%s\" unless opts->object_name says otherwise; the\n"
	        " * section pointers point at the initial values, which may be written.\n"
	        " */\n"
	        "static inline int %s__open_opts(const struct evbpf_open_opts *opts, struct %s "
	        "**skelp)\n"
	        "{\n"
	        "\tstruct evbpf_open_opts o;\n"
	        "\tstruct %s *skel;\n"
	        "\tconst void *data;\n"
	        "\tsize_t size;\n"
	        "\tint err;\n\n"
	        "\tif (!skelp)\n"
	        "\t\treturn -EINVAL;\n"
	        "\tmemset(&o, 0, sizeof(o));\n"
	        "\tif (opts)\n"
	        "\t\tmemcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));\n"
	        "\to.sz = sizeof(o);\n"
	        "\tif (!o.object_name)\n"
	        "\t\to.object_name = \"%s\";\n"
	        "\tskel = (struct %s *)calloc(1, sizeof(*skel));\n"
	        "\tif (!skel)\n"
	        "\t\treturn -ENOMEM;\n"
	        "\tdata = %s__elf_bytes(&size);\n"
	        "\terr = evbpf_object_open_mem(data, size, &o, &skel->obj);\n"
	        "\tif (err)\n"
	        "\t\tgoto err;\n"
	        "\terr = -ENOENT;\n",
	        n, n, n, n, n, n, n);
	for (size_t i = 0; i < obj->nr_maps; i++) {
		if (!map_shown(&obj->maps[i]))
			continue;
		map_ident(&obj->maps[i], ident, sizeof(ident));
		fprintf(g->out,
		        "\tskel->maps.%s = evbpf_object_find_map(skel->obj, \"%s\");\n"
		        "\tif (!skel->maps.%s)\n"
		        "\t\tgoto err;\n",
		        ident, obj->maps[i].name, ident);
	}
	for (size_t i = 0; i < obj->nr_progs; i++) {
		const char *p = obj->progs[i].name;

		fprintf(g->out,
		        "\tskel->progs.%s = evbpf_object_find_program(skel->obj, \"%s\");\n"
		        "\tif (!skel->progs.%s)\n"
		        "\t\tgoto err;\n",
		        p, p, p);
	}
	fprintf(g->out,
	        "\terr = %s__data_ptrs(skel, 0);\n"
	        "\tif (err)\n"
	        "\t\tgoto err;\n"
	        "\t*skelp = skel;\n"
	        "\treturn 0;\n"
	        "err:\n"
	        "\t%s__destroy(skel);\n"
	        "\treturn err;\n"
	        "}\n\n",
	        n, n);
	fprintf(g->out,
	        "static inline int %s__open(struct %s **skelp)\n"
	        "{\n"
	        "\treturn %s__open_opts(NULL, skelp);\n"
	        "}\n\n",
	        n, n, n);
}

static void emit_load_attach(struct gen *g)
{
	const char *n = g->name;

	fprintf(g->out,
	        "/*\n"
	        " * Create the maps and load every program; the section pointers then\n"
	        " * point at the maps' memory (.rodata read-only).\n"
	        " */\n"
	        "static inline int %s__load(struct %s *skel)\n"
	        "{\n"
	        "\tint err;\n\n"
	        "\tif (!skel)\n"
	        "\t\treturn -EINVAL;\n"
	        "\terr = evbpf_object_load(skel->obj);\n"
	        "\tif (err)\n"
	        "\t\treturn err;\n"
	        "\treturn %s__data_ptrs(skel, 1);\n"
	        "}\n\n",
	        n, n, n);
	fprintf(g->out,
	        "static inline int %s__open_and_load(struct %s **skelp)\n"
	        "{\n"
	        "\tstruct %s *skel;\n"
	        "\tint err;\n\n"
	        "\tif (!skelp)\n"
	        "\t\treturn -EINVAL;\n"
	        "\terr = %s__open(&skel);\n"
	        "\tif (err)\n"
	        "\t\treturn err;\n"
	        "\terr = %s__load(skel);\n"
	        "\tif (err) {\n"
	        "\t\t%s__destroy(skel);\n"
	        "\t\treturn err;\n"
	        "\t}\n"
	        "\t*skelp = skel;\n"
	        "\treturn 0;\n"
	        "}\n\n",
	        n, n, n, n, n, n);
	fprintf(g->out,
	        "/*\n"
	        " * Attach every loaded program whose section says where\n"
	        " * (evbpf_program_autoattach()) and that has no link yet. On failure\n"
	        " * every link is destroyed again and evbpf_errmsg() names the program.\n"
	        " */\n"
	        "static inline int %s__attach(struct %s *skel)\n"
	        "{\n"
	        "%s"
	        "\tif (!skel)\n"
	        "\t\treturn -EINVAL;\n",
	        n, n, g->obj->nr_progs ? "\tint err;\n\n" : "");
	for (size_t i = 0; i < g->obj->nr_progs; i++) {
		const char *p = g->obj->progs[i].name;

		fprintf(g->out,
		        "\tif (!skel->links.%s && evbpf_program_fd(skel->progs.%s) >= 0 &&\n"
		        "\t    evbpf_program_autoattach(skel->progs.%s) > 0) {\n"
		        "\t\terr = evbpf_program_attach(skel->progs.%s, &skel->links.%s);\n"
		        "\t\tif (err)\n"
		        "\t\t\tgoto err;\n"
		        "\t}\n",
		        p, p, p, p, p);
	}
	if (g->obj->nr_progs)
		fprintf(g->out,
		        "\treturn 0;\n"
		        "err:\n"
		        "\t%s__detach(skel);\n"
		        "\treturn err;\n"
		        "}\n\n",
		        n);
	else
		fprintf(g->out, "\treturn 0;\n}\n\n");
}

static int emit(struct gen *g, const char *path)
{
	int err;

	emit_preamble(g, path);
	if (g->printer) {
		/* Types only pointed to: declared once, here. */
		err = evbpf__btf_decl_fwds(g->printer, g->out);
		if (err < 0)
			return err;
		if (err > 0)
			fprintf(g->out, "\n");
	}
	for (size_t i = 0; i < g->nr_secs; i++) {
		err = emit_section(g, &g->secs[i]);
		if (err)
			return err;
	}
	emit_skel_struct(g);
	emit_elf_bytes(g);
	fprintf(g->out, "static inline void %s__destroy(struct %s *skel);\n\n", g->name, g->name);
	emit_data_ptrs(g);
	emit_destroy(g);
	emit_open(g);
	emit_load_attach(g);
	fprintf(g->out, "#endif\n");
	return ferror(g->out) ? evbpf__err(-EIO, "gen skeleton: write error") : 0;
}

static void gen_free(struct gen *g)
{
	for (size_t i = 0; g->secs && i <= g->nr_secs; i++) {
		for (size_t j = 0; j < g->secs[i].nr_vars; j++)
			free(g->secs[i].vars[j].decl);
		free(g->secs[i].vars);
	}
	free(g->secs);
	evbpf__btf_decl_printer_free(g->printer);
}

static int generate(const char *path, const char *name, FILE *out)
{
	struct evbpf_open_opts opts = {.sz = sizeof(opts), .object_name = name};
	struct evbpf_object *obj = NULL;
	struct gen g = {.name = name, .out = out};
	uint8_t *buf = NULL;
	size_t size = 0;
	int err;

	err = evbpf__read_file(path, &buf, &size);
	if (err) {
		evbpf__err(err, "%s: %s", path, evbpf_strerror(err));
		return err;
	}
	err = evbpf_object_open_mem(buf, size, &opts, &obj);
	if (err)
		goto out;
	g.obj = obj;
	g.elf = buf;
	g.elf_size = size;
	if (obj->btf) {
		err = evbpf__btf_decl_printer_new(obj->btf, &g.printer);
		if (err)
			goto out;
	}
	err = collect(&g);
	if (!err)
		err = emit(&g, path);
out:
	gen_free(&g);
	evbpf_object_close(obj);
	free(buf);
	return err;
}

static int run(int argc, char **argv)
{
	const char *path = NULL, *out_path = NULL, *name_arg = NULL;
	char name[128], *tmp_path = NULL;
	FILE *out = stdout;
	int err;

	if (argc < 2)
		return tool_usage_error("gen", "no action given (expected 'skeleton')");
	if (strcmp(argv[1], "skeleton"))
		return tool_usage_error("gen", "unknown action '%s' (expected 'skeleton')",
					argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name_arg = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out_path = argv[++i];
		else if (!strcmp(argv[i], "--name") || !strcmp(argv[i], "-o"))
			return tool_usage_error("gen", "%s needs a value", argv[i]);
		else if (argv[i][0] == '-')
			return tool_usage_error("gen", "unknown option '%s'", argv[i]);
		else if (path)
			return tool_usage_error("gen", "unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return tool_usage_error("gen", "no object file given");
	if (name_arg && !is_ident(name_arg)) {
		fprintf(stderr, "evbpf: gen skeleton: --name '%s' is not a C identifier\n",
		        name_arg);
		return 2;
	}
	if (name_arg)
		snprintf(name, sizeof(name), "%s", name_arg);
	else
		default_name(name, sizeof(name), path);
	if (!is_ident(name)) {
		fprintf(stderr, "evbpf: gen skeleton: no C name in '%s': use --name\n", path);
		return 2;
	}
	/* A failed run leaves no half-written header behind for make. */
	if (out_path) {
		if (asprintf(&tmp_path, "%s.tmp.%d", out_path, (int)getpid()) < 0)
			return 1;
		out = fopen(tmp_path, "we");
		if (!out) {
			err = -errno;
			tool_error(tmp_path, err);
			free(tmp_path);
			return 1;
		}
	}
	err = generate(path, name, out);
	if (out != stdout) {
		if (fclose(out) && !err)
			err = -EIO;
		if (!err && rename(tmp_path, out_path))
			err = -errno;
		if (err)
			remove(tmp_path);
		free(tmp_path);
	} else if (fflush(stdout) && !err) {
		err = -EIO;
	}
	if (err) {
		tool_error("gen skeleton", err);
		return 1;
	}
	return 0;
}

const struct tool_cmd tool_cmd_gen = {
    .name = "gen",
    .usage = "gen skeleton FILE.bpf.o [--name NAME] [-o OUT]  C header with typed access",
    .help = "usage: evbpf gen skeleton FILE.bpf.o [--name NAME] [-o OUT]\n"
	    "\n"
	    "Write a C header that embeds the object and gives typed access to its\n"
	    "programs, maps and globals.\n"
	    "\n"
	    "  --name NAME  the skeleton's name (default: FILE without .bpf.o, as an identifier)\n"
	    "  -o OUT       write to OUT instead of standard output\n"
	    "  -h, --help   this text\n",
    .run = run,
};
