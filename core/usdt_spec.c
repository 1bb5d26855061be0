/* SPDX-License-Identifier: MIT */
/*
 * USDT probes as <sys/sdt.h> records them, and the argument specs that
 * libbpf's <bpf/usdt.bpf.h> reads.
 *
 * Each probe site is an ELF note in .note.stapsdt (owner "stapsdt", type
 * 3). Its descriptor holds three addresses, each as wide as a pointer:
 * the site (a nop), the link-time address of the .stapsdt.base section,
 * and the probe's semaphore (0 when it has none); then three strings:
 * provider, name and the argument spec. When a file was prelinked (moved
 * after linking), .stapsdt.base's real address differs from the one in
 * the note, and the site and semaphore move by the same amount.
 *
 * The argument spec is a space-separated list of SIZE@OPERAND, where SIZE
 * is the width in bytes, negative for signed values, and OPERAND is the
 * assembler operand the compiler chose (x86-64, AT&T syntax):
 *
 *   -4@$-9          a constant
 *   8@%rax, 4@%edi  a register (any width of it)
 *   -4@-12(%rbp)    memory at a register plus an offset
 *
 * Each becomes one `struct __bpf_usdt_arg_spec` in usdt.bpf.h's layout,
 * which the BPF side reads from the __bpf_usdt_specs array map:
 *
 *   struct __bpf_usdt_arg_spec {   // 16 bytes
 *           __u64 val_off;         // the constant, or the memory offset
 *           __u32 arg_type;        // CONST 0, REG 1, REG_DEREF 2
 *           short reg_off;         // offsetof(struct pt_regs, reg)
 *           bool arg_signed;
 *           char arg_bitshift;     // 64 - 8 * size
 *   };
 *   struct __bpf_usdt_spec {       // 208 bytes
 *           struct __bpf_usdt_arg_spec args[12];
 *           __u64 usdt_cookie;     // at 192
 *           short arg_cnt;         // at 200
 *   };
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NT_STAPSDT 3

/* offsetof(struct pt_regs, X) on x86-64, in the kernel's order. */
enum {
	PT_R15 = 0,
	PT_R14 = 8,
	PT_R13 = 16,
	PT_R12 = 24,
	PT_BP = 32,
	PT_BX = 40,
	PT_R11 = 48,
	PT_R10 = 56,
	PT_R9 = 64,
	PT_R8 = 72,
	PT_AX = 80,
	PT_CX = 88,
	PT_DX = 96,
	PT_SI = 104,
	PT_DI = 112,
	PT_IP = 128,
	PT_SP = 152,
};

/* Every name of a register at every width, with where pt_regs keeps it. */
static const struct {
	const char *names[4];
	int16_t off;
} x86_regs[] = {
    {{"rip", "eip"}, PT_IP},
    {{"rax", "eax", "ax", "al"}, PT_AX},
    {{"rbx", "ebx", "bx", "bl"}, PT_BX},
    {{"rcx", "ecx", "cx", "cl"}, PT_CX},
    {{"rdx", "edx", "dx", "dl"}, PT_DX},
    {{"rsi", "esi", "si", "sil"}, PT_SI},
    {{"rdi", "edi", "di", "dil"}, PT_DI},
    {{"rbp", "ebp", "bp", "bpl"}, PT_BP},
    {{"rsp", "esp", "sp", "spl"}, PT_SP},
    {{"r8", "r8d", "r8w", "r8b"}, PT_R8},
    {{"r9", "r9d", "r9w", "r9b"}, PT_R9},
    {{"r10", "r10d", "r10w", "r10b"}, PT_R10},
    {{"r11", "r11d", "r11w", "r11b"}, PT_R11},
    {{"r12", "r12d", "r12w", "r12b"}, PT_R12},
    {{"r13", "r13d", "r13w", "r13b"}, PT_R13},
    {{"r14", "r14d", "r14w", "r14b"}, PT_R14},
    {{"r15", "r15d", "r15w", "r15b"}, PT_R15},
};

static int reg_offset(const char *name, size_t len)
{
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(x86_regs); i++)
		for (size_t j = 0; j < 4 && x86_regs[i].names[j]; j++)
			if (strlen(x86_regs[i].names[j]) == len &&
			    !strncmp(x86_regs[i].names[j], name, len))
				return x86_regs[i].off;
	return -ENOENT;
}

/* "%reg" at s; returns the characters used, or -EINVAL. */
static int parse_reg(const char *s, int16_t *offp)
{
	size_t len = 0;
	int off;

	if (*s != '%')
		return -EINVAL;
	while (isalnum((unsigned char)s[1 + len]))
		len++;
	off = reg_offset(s + 1, len);
	if (off < 0)
		return -EINVAL;
	*offp = (int16_t)off;
	return (int)(len + 1);
}

/* A decimal or 0x number, optionally negative; returns the characters
 * used (0 when there is no number). */
static int parse_num(const char *s, int64_t *vp)
{
	const char *p = s;
	bool neg = false;
	uint64_t v;
	char *end;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	v = strtoull(p, &end, 0);
	if (errno)
		return 0;
	*vp = neg ? (int64_t)(0 - v) : (int64_t)v;
	return (int)(end - s);
}

int evbpf__usdt_parse_arg(const char *s, size_t len, struct evbpf_usdt_arg *arg)
{
	char buf[128];
	const char *p, *at;
	int64_t size = 8, v = 0;
	int n;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(arg, 0, sizeof(*arg));
	/* "SIZE@" is optional in the oldest sdt.h: the operand is then a
	 * pointer-sized unsigned value. */
	p = buf;
	at = strchr(buf, '@');
	if (at) {
		n = parse_num(buf, &size);
		if (n == 0 || buf + n != at)
			return -EINVAL;
		p = at + 1;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8 && size != -1 && size != -2 &&
	    size != -4 && size != -8)
		return -EINVAL;
	arg->is_signed = size < 0;
	arg->bitshift = (int8_t)(64 - 8 * (size < 0 ? -size : size));
	if (*p == '$') {
		/* A constant; "$sym" (an address the assembler resolved by
		 * name) cannot be turned back into a number here. */
		n = parse_num(p + 1, &v);
		if (n == 0 || p[1 + n])
			return -EINVAL;
		arg->type = EVBPF_USDT_ARG_CONST;
		arg->val_off = (uint64_t)v;
		return 0;
	}
	if (*p == '%') {
		n = parse_reg(p, &arg->reg_off);
		if (n < 0 || p[n])
			return -EINVAL;
		arg->type = EVBPF_USDT_ARG_REG;
		return 0;
	}
	/* OFFSET(%reg) or (%reg); not SYMBOL(%rip) nor (%base,%index,scale). */
	n = parse_num(p, &v);
	p += n;
	if (*p != '(')
		return -EINVAL;
	n = parse_reg(p + 1, &arg->reg_off);
	if (n < 0 || strcmp(p + 1 + n, ")") != 0)
		return -EINVAL;
	arg->type = EVBPF_USDT_ARG_REG_DEREF;
	arg->val_off = (uint64_t)v;
	return 0;
}

int evbpf__usdt_parse_args(const char *args, struct evbpf_usdt_spec *spec)
{
	const char *p = args;
	int err;

	memset(spec, 0, sizeof(*spec));
	for (;;) {
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		len = strcspn(p, " \t");
		if (spec->arg_cnt == EVBPF_USDT_MAX_ARGS)
			return evbpf__err(-E2BIG,
			                  "USDT argument spec '%s' has more than %d arguments",
			                  args, EVBPF_USDT_MAX_ARGS);
		err = evbpf__usdt_parse_arg(p, len, &spec->args[spec->arg_cnt]);
		if (err)
			return evbpf__err(err,
			                  "USDT argument #%d '%.*s' of '%s' is not a constant, "
			                  "register or register+offset operand evbpf can read",
			                  spec->arg_cnt, (int)len, p, args);
		spec->arg_cnt++;
		p += len;
	}
}

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void evbpf__usdt_spec_encode(const struct evbpf_usdt_spec *spec, uint64_t cookie,
                             uint8_t out[EVBPF_USDT_SPEC_SIZE])
{
	memset(out, 0, EVBPF_USDT_SPEC_SIZE);
	for (int i = 0; i < spec->arg_cnt; i++) {
		const struct evbpf_usdt_arg *a = &spec->args[i];
		uint8_t *rec = out + 16 * i;

		put_le(rec, a->val_off, 8);
		put_le(rec + 8, (uint32_t)a->type, 4);
		put_le(rec + 12, (uint16_t)a->reg_off, 2);
		rec[14] = a->is_signed ? 1 : 0;
		rec[15] = (uint8_t)a->bitshift;
	}
	put_le(out + 192, cookie, 8);
	put_le(out + 200, (uint16_t)spec->arg_cnt, 2);
}

/* ------------------------------------------------------------ the notes */

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* One note's descriptor; 1 when it is a well-formed stapsdt note. */
static int read_note(const uint8_t *desc, size_t len, struct evbpf_usdt_note *n)
{
	const char *s = (const char *)desc + 24, *end = (const char *)desc + len;

	if (len < 24 + 3)
		return 0;
	n->pc = get_le64(desc);
	n->base = get_le64(desc + 8);
	n->sema = get_le64(desc + 16);
	n->provider = s;
	s = memchr(s, '\0', (size_t)(end - s));
	if (!s++ || s >= end)
		return 0;
	n->name = s;
	s = memchr(s, '\0', (size_t)(end - s));
	if (!s++ || s >= end)
		return 0;
	n->args = s;
	return memchr(s, '\0', (size_t)(end - s)) != NULL;
}

int evbpf__usdt_notes(const struct evbpf_uelf *f, struct evbpf_usdt_note **notesp, size_t *nrp)
{
	const Elf64_Shdr *sh = evbpf__uelf_find_sec(f, ".note.stapsdt");
	const Elf64_Shdr *base_sh = evbpf__uelf_find_sec(f, ".stapsdt.base");
	struct evbpf_usdt_note *notes = NULL, *tmp;
	const uint8_t *data;
	size_t nr = 0, cap = 0, off = 0;

	*notesp = NULL;
	*nrp = 0;
	if (!sh || sh->sh_type != SHT_NOTE)
		return 0;
	data = evbpf__uelf_sec_data(f, sh);
	if (!data)
		return evbpf__err(-EINVAL, "'%s': .note.stapsdt lies outside the file", f->path);
	while (off + 12 <= sh->sh_size) {
		uint32_t namesz, descsz, type;
		uint64_t name_off, desc_off, next;
		struct evbpf_usdt_note n;

		memcpy(&namesz, data + off, 4);
		memcpy(&descsz, data + off + 4, 4);
		memcpy(&type, data + off + 8, 4);
		name_off = off + 12;
		desc_off = name_off + evbpf__roundup(namesz, 4);
		next = desc_off + evbpf__roundup(descsz, 4);
		if (desc_off > sh->sh_size || next > sh->sh_size ||
		    desc_off + descsz > sh->sh_size) {
			free(notes);
			return evbpf__err(-EINVAL, "'%s': truncated note in .note.stapsdt",
			                  f->path);
		}
		off = (size_t)next;
		if (type != NT_STAPSDT || namesz != 8 || memcmp(data + name_off, "stapsdt", 8) != 0)
			continue;
		if (!read_note(data + desc_off, descsz, &n)) {
			free(notes);
			return evbpf__err(-EINVAL, "'%s': malformed stapsdt note at offset %llu",
			                  f->path, (unsigned long long)(desc_off - 12));
		}
		/* Prelink moved the file: shift by how far .stapsdt.base moved. */
		if (base_sh && n.base) {
			uint64_t delta = base_sh->sh_addr - n.base;

			n.pc += delta;
			if (n.sema)
				n.sema += delta;
		}
		if (nr == cap) {
			cap = cap ? 2 * cap : 16;
			tmp = realloc(notes, cap * sizeof(*notes));
			if (!tmp) {
				free(notes);
				return -ENOMEM;
			}
			notes = tmp;
		}
		notes[nr++] = n;
	}
	*notesp = notes;
	*nrp = nr;
	return 0;
}
