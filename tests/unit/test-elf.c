/* SPDX-License-Identifier: MIT */
/*
 * The ELF reader on good input: a clang-built fixture and a crafted object
 * are read back section by section and symbol by symbol. Expected values
 * come from the fixture's source (tests/bpf/loader.bpf.c) and from a
 * minimal independent walk of the section header table done here, not from
 * the reader under test. Also the header checks that reject objects which
 * are valid ELF but not BPF relocatables.
 */
#include "common.h"
#include "internal.h"
#include "elf_builder.h"

static uint8_t *read_fixture(const char *name, size_t *size)
{
	FILE *f = fopen(FIXTURE(name), "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open fixture %s", FIXTURE(name));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n); /* malloc: the 8-byte alignment the reader needs */
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* Section i's name read straight from the file. */
static const char *raw_sec_name(const uint8_t *buf, size_t i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);

	return (const char *)buf + sh[eh->e_shstrndx].sh_offset + sh[i].sh_name;
}

static void test_fixture_sections(void **st)
{
	struct evbpf_elf elf;
	size_t size, idx;
	uint8_t *buf = read_fixture("loader.bpf.o", &size);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
	static const struct {
		const char *name;
		uint32_t type;
		bool exec;
	} want[] = {
	    {".text", SHT_PROGBITS, true},     {"xdp", SHT_PROGBITS, true},
	    {"socket", SHT_PROGBITS, true},    {".maps", SHT_PROGBITS, false},
	    {".data", SHT_PROGBITS, false},    {".rodata", SHT_PROGBITS, false},
	    {".bss", SHT_NOBITS, false},       {".data.custom", SHT_PROGBITS, false},
	    {"license", SHT_PROGBITS, false},  {".BTF", SHT_PROGBITS, false},
	    {".BTF.ext", SHT_PROGBITS, false}, {".symtab", SHT_SYMTAB, false},
	    {".relxdp", SHT_REL, false},
	};

	assert_ok(evbpf__elf_parse(&elf, buf, size));
	assert_int_equal(elf.nr_secs, eh->e_shnum);
	/* Every section agrees with the raw header table. */
	for (size_t i = 1; i < elf.nr_secs; i++) {
		assert_string_equal(elf.secs[i].name, raw_sec_name(buf, i));
		assert_int_equal(elf.secs[i].type, sh[i].sh_type);
		assert_int_equal(elf.secs[i].size, sh[i].sh_size);
		assert_int_equal(elf.secs[i].link, sh[i].sh_link);
		assert_int_equal(elf.secs[i].info, sh[i].sh_info);
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_size == 0)
			assert_null(elf.secs[i].data);
		else
			assert_ptr_equal(elf.secs[i].data, buf + sh[i].sh_offset);
	}
	for (size_t w = 0; w < EVBPF_ARRAY_SIZE(want); w++) {
		idx = evbpf__elf_find_sec(&elf, want[w].name);
		if (!idx)
			fail_msg("section %s not found", want[w].name);
		assert_string_equal(raw_sec_name(buf, idx), want[w].name);
		assert_int_equal(elf.secs[idx].type, want[w].type);
		assert_int_equal(!!(elf.secs[idx].flags & SHF_EXECINSTR), want[w].exec);
	}
	assert_int_equal(evbpf__elf_find_sec(&elf, "no-such-section"), 0);
	assert_int_equal(elf.symtab_idx, evbpf__elf_find_sec(&elf, ".symtab"));
	idx = evbpf__elf_find_sec(&elf, "license");
	assert_string_equal((const char *)elf.secs[idx].data, "GPL");
	/* REL sections point at the symbol table and at their target. */
	idx = evbpf__elf_find_sec(&elf, ".relxdp");
	assert_int_equal(elf.secs[idx].link, elf.symtab_idx);
	assert_int_equal(elf.secs[idx].info, evbpf__elf_find_sec(&elf, "xdp"));
	evbpf__elf_free(&elf);
	assert_null(elf.secs);
	free(buf);
}

static void test_fixture_symbols(void **st)
{
	struct evbpf_elf elf;
	size_t size, xdp, text, maps, rodata;
	uint8_t *buf = read_fixture("loader.bpf.o", &size);
	const Elf64_Sym *sym;

	assert_ok(evbpf__elf_parse(&elf, buf, size));
	xdp = evbpf__elf_find_sec(&elf, "xdp");
	text = evbpf__elf_find_sec(&elf, ".text");
	maps = evbpf__elf_find_sec(&elf, ".maps");
	rodata = evbpf__elf_find_sec(&elf, ".rodata");
	assert_true(elf.nr_syms > 10);
	assert_non_null(elf.strtab);

	/* Two programs in one section, in order, inside it. */
	sym = evbpf__elf_find_sym(&elf, "compute", xdp);
	assert_non_null(sym);
	assert_int_equal(ELF64_ST_TYPE(sym->st_info), STT_FUNC);
	assert_int_equal(ELF64_ST_BIND(sym->st_info), STB_GLOBAL);
	assert_int_equal(sym->st_value, 0);
	assert_true(sym->st_size > 0 && sym->st_size % 8 == 0);
	{
		const Elf64_Sym *second = evbpf__elf_find_sym(&elf, "second", xdp);

		assert_non_null(second);
		assert_int_equal(second->st_value, sym->st_size);
		assert_true(second->st_value + second->st_size <= elf.secs[xdp].size);
	}
	/* Found only in its own section (or any with 0). */
	assert_null(evbpf__elf_find_sym(&elf, "compute", text));
	assert_ptr_equal(evbpf__elf_find_sym(&elf, "compute", 0), sym);
	/* A global subprogram in .text, maps in .maps, a global in .rodata. */
	sym = evbpf__elf_find_sym(&elf, "mul_global", text);
	assert_non_null(sym);
	assert_int_equal(ELF64_ST_TYPE(sym->st_info), STT_FUNC);
	for (size_t i = 0; i < 3; i++) {
		static const char *const names[] = {"results", "counts", "percpu"};

		sym = evbpf__elf_find_sym(&elf, names[i], maps);
		assert_non_null(sym);
		assert_int_equal(ELF64_ST_TYPE(sym->st_info), STT_OBJECT);
	}
	sym = evbpf__elf_find_sym(&elf, "multiplier", rodata);
	assert_non_null(sym);
	assert_int_equal(sym->st_size, 4);
	assert_int_equal(*(const uint32_t *)(elf.secs[rodata].data + sym->st_value), 3);
	assert_string_equal(evbpf__elf_sym_name(&elf, sym), "multiplier");
	assert_null(evbpf__elf_find_sym(&elf, "no_such_symbol", 0));
	evbpf__elf_free(&elf);
	free(buf);
}

static void test_crafted_object(void **st)
{
	struct elf_builder *b = eb_new();
	static const struct bpf_insn insns[4] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 2},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	uint32_t data = 0xabcd1234;
	int kp, bss, dat;
	struct evbpf_elf elf;
	const Elf64_Sym *sym;
	size_t size;
	uint8_t *buf;

	kp = eb_add_code(b, "kprobe/do_sys_open", insns, 4);
	bss = eb_add_sec(b, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, NULL, 64);
	dat = eb_add_sec(b, ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, &data, 4);
	eb_add_sym(b, "first", kp, 0, 16, STB_GLOBAL, STT_FUNC);
	eb_add_sym(b, "later", kp, 16, 16, STB_GLOBAL, STT_FUNC);
	eb_add_sym(b, "counter", bss, 56, 8, STB_GLOBAL, STT_OBJECT);
	eb_add_sym(b, "value", dat, 0, 4, STB_GLOBAL, STT_OBJECT);
	buf = eb_finish(b, &size);

	assert_ok(evbpf__elf_parse(&elf, buf, size));
	assert_int_equal(elf.nr_secs, b->shstrtab_idx + 1);
	assert_string_equal(elf.secs[kp].name, "kprobe/do_sys_open");
	assert_int_equal(elf.secs[kp].size, sizeof(insns));
	assert_memory_equal(elf.secs[kp].data, insns, sizeof(insns));
	/* NOBITS: a size but no bytes in the file. */
	assert_int_equal(elf.secs[bss].type, SHT_NOBITS);
	assert_int_equal(elf.secs[bss].size, 64);
	assert_null(elf.secs[bss].data);
	assert_int_equal(*(const uint32_t *)elf.secs[dat].data, data);
	assert_int_equal(elf.symtab_idx, (size_t)b->symtab_idx);
	assert_int_equal(elf.nr_syms, 5); /* with the null symbol */
	sym = evbpf__elf_find_sym(&elf, "later", kp);
	assert_non_null(sym);
	assert_int_equal(sym->st_value, 16);
	sym = evbpf__elf_find_sym(&elf, "counter", 0);
	assert_non_null(sym);
	assert_int_equal(sym->st_shndx, bss);
	assert_int_equal(sym->st_value, 56);
	evbpf__elf_free(&elf);

	/* The object level sees two programs with their own instructions. */
	{
		struct evbpf_object *obj;
		struct evbpf_program *p;

		assert_ok(evbpf_object_open_mem(buf, size, NULL, &obj));
		p = evbpf_object_find_program(obj, "later");
		assert_non_null(p);
		assert_string_equal(evbpf_program_section(p), "kprobe/do_sys_open");
		assert_int_equal(evbpf_program_insn_count(p), 2);
		assert_int_equal(evbpf_program_type(p), BPF_PROG_TYPE_KPROBE);
		assert_non_null(evbpf_object_find_map(obj, ".bss"));
		assert_non_null(evbpf_object_find_map(obj, ".data"));
		evbpf_object_close(obj);
	}
	free(buf);
	free(b);
}

/* Valid ELF files that are not little-endian 64-bit BPF relocatables. */
static void test_not_a_bpf_relocatable(void **st)
{
	struct elf_builder *b = eb_new();
	struct evbpf_elf elf;
	size_t size;
	uint8_t *buf;

	eb_add_code(b, "xdp", (const struct bpf_insn[]){{.code = BPF_JMP | BPF_EXIT}}, 1);
	buf = eb_finish(b, &size);
	assert_ok(evbpf__elf_parse(&elf, buf, size));
	evbpf__elf_free(&elf);

	eb_ehdr(buf)->e_machine = EM_X86_64;
	assert_int_equal(evbpf__elf_parse(&elf, buf, size), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not EM_BPF"));
	eb_ehdr(buf)->e_machine = EM_BPF;
	eb_ehdr(buf)->e_type = ET_EXEC;
	assert_int_equal(evbpf__elf_parse(&elf, buf, size), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not a relocatable object"));
	eb_ehdr(buf)->e_type = ET_REL;
	eb_ehdr(buf)->e_ident[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(evbpf__elf_parse(&elf, buf, size), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "big-endian"));
	eb_ehdr(buf)->e_ident[EI_DATA] = ELFDATA2LSB;
	eb_ehdr(buf)->e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(evbpf__elf_parse(&elf, buf, size), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "not a 64-bit ELF"));
	eb_ehdr(buf)->e_ident[EI_CLASS] = ELFCLASS64;
	/* Stripped: no symbol table. */
	eb_shdr_by_name(buf, ".symtab")->sh_type = SHT_PROGBITS;
	assert_int_equal(evbpf__elf_parse(&elf, buf, size), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "no symbol table"));
	free(buf);
	free(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_sections),
	    cmocka_unit_test(test_fixture_symbols),
	    cmocka_unit_test(test_crafted_object),
	    cmocka_unit_test(test_not_a_bpf_relocatable),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
