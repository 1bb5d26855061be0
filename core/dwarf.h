/* SPDX-License-Identifier: MIT */
/*
 * A DWARF reader for BPF objects (core/dwarf.c), internal and hidden like
 * the rest of core/. It reads the debugging information entries of
 * .debug_info (DWARF 2 to 5, as clang emits them for -target bpf with -g,
 * -gdwarf-4 or -gdwarf-5) into a flat array of DIEs with the attributes
 * the tool needs to rebuild types and find local variables. Strings and
 * addresses are resolved through .debug_str, .debug_line_str,
 * .debug_str_offsets and .debug_addr, after the object's relocations of
 * those sections are applied to a copy.
 *
 * The bytes are not trusted: every read is bounds-checked, nesting and
 * counts are bounded, and anything malformed or unknown (a form this
 * reader does not know, a reference that points at no DIE) is -EINVAL or
 * -EOVERFLOW with a message ("dwarf: ..."), never a crash.
 */
#ifndef EVBPF_CORE_DWARF_H
#define EVBPF_CORE_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* The tags and attributes this reader keeps (DWARF 5, section 7.5). */
#define EVBPF_DW_TAG_array_type         0x01
#define EVBPF_DW_TAG_enumeration_type   0x04
#define EVBPF_DW_TAG_formal_parameter   0x05
#define EVBPF_DW_TAG_lexical_block      0x0b
#define EVBPF_DW_TAG_member             0x0d
#define EVBPF_DW_TAG_pointer_type       0x0f
#define EVBPF_DW_TAG_compile_unit       0x11
#define EVBPF_DW_TAG_structure_type     0x13
#define EVBPF_DW_TAG_subroutine_type    0x15
#define EVBPF_DW_TAG_typedef            0x16
#define EVBPF_DW_TAG_union_type         0x17
#define EVBPF_DW_TAG_inlined_subroutine 0x1d
#define EVBPF_DW_TAG_subrange_type      0x21
#define EVBPF_DW_TAG_base_type          0x24
#define EVBPF_DW_TAG_const_type         0x26
#define EVBPF_DW_TAG_enumerator         0x28
#define EVBPF_DW_TAG_subprogram         0x2e
#define EVBPF_DW_TAG_variable           0x34
#define EVBPF_DW_TAG_volatile_type      0x35
#define EVBPF_DW_TAG_restrict_type      0x37
#define EVBPF_DW_TAG_unspecified_type   0x3b
#define EVBPF_DW_TAG_atomic_type        0x47

/* DW_ATE_* base type encodings. */
#define EVBPF_DW_ATE_boolean       0x02
#define EVBPF_DW_ATE_float         0x04
#define EVBPF_DW_ATE_signed        0x05
#define EVBPF_DW_ATE_signed_char   0x06
#define EVBPF_DW_ATE_unsigned      0x07
#define EVBPF_DW_ATE_unsigned_char 0x08

#define EVBPF_DWARF_NONE UINT32_MAX /* no DIE (a reference that is absent) */

/* Which attributes a DIE had (evbpf_dwarf_die.has). */
#define EVBPF_DWARF_HAS_BYTE_SIZE       (1u << 0)
#define EVBPF_DWARF_HAS_BIT_SIZE        (1u << 1)
#define EVBPF_DWARF_HAS_BIT_OFFSET      (1u << 2) /* DW_AT_bit_offset (DWARF 2-4) */
#define EVBPF_DWARF_HAS_DATA_BIT_OFFSET (1u << 3) /* DW_AT_data_bit_offset (DWARF 4-5) */
#define EVBPF_DWARF_HAS_MEMBER_OFFSET   (1u << 4) /* DW_AT_data_member_location */
#define EVBPF_DWARF_HAS_CONST           (1u << 5)
#define EVBPF_DWARF_CONST_SIGNED        (1u << 6) /* const_value came as a signed form */
#define EVBPF_DWARF_HAS_COUNT           (1u << 7) /* subrange: DW_AT_count or upper_bound */
#define EVBPF_DWARF_HAS_LOW_PC          (1u << 8)
#define EVBPF_DWARF_HAS_HIGH_PC         (1u << 9)
#define EVBPF_DWARF_HAS_FBREG           (1u << 10) /* DW_AT_location is DW_OP_fbreg N */
#define EVBPF_DWARF_DECLARATION         (1u << 11)
#define EVBPF_DWARF_HAS_ENCODING        (1u << 12)
#define EVBPF_DWARF_HAS_LOCATION        (1u << 13) /* any DW_AT_location */

/*
 * One debugging information entry. DIEs are kept in .debug_info order, so
 * a DIE's children are the entries that follow it up to next_sibling;
 * references between DIEs are indexes into the same array.
 */
struct evbpf_dwarf_die {
	uint32_t off;          /* offset in .debug_info */
	uint16_t tag;          /* DW_TAG_* */
	uint8_t encoding;      /* DW_AT_encoding (DW_ATE_*) */
	uint8_t depth;         /* 0 for a unit's DIE */
	uint32_t has;          /* EVBPF_DWARF_HAS_* */
	uint32_t parent;       /* index, or EVBPF_DWARF_NONE */
	uint32_t next_sibling; /* index one past the last descendant */
	const char *name;      /* DW_AT_name, or NULL */
	uint32_t type;         /* DW_AT_type, or EVBPF_DWARF_NONE (void) */
	uint32_t origin;       /* DW_AT_abstract_origin or DW_AT_specification */
	uint64_t byte_size;
	uint64_t bit_size;
	uint64_t bit_offset;      /* DWARF 4 style: from the storage unit's MSB */
	uint64_t data_bit_offset; /* from the start of the struct */
	uint64_t member_offset;   /* bytes */
	uint64_t const_value;     /* read as int64_t when CONST_SIGNED */
	uint64_t count;           /* subrange element count */
	uint32_t low_pc_sec;      /* ELF section of low_pc (from its relocation), 0 if unknown */
	uint64_t low_pc;          /* byte offset in that section */
	uint64_t high_pc;         /* one past the end, same section */
	int64_t fbreg;            /* DW_OP_fbreg operand */
};

struct evbpf_dwarf;

/*
 * Read the DWARF of a parsed BPF object. -ENOENT (with a message) when it
 * has no .debug_info; -EINVAL/-EOVERFLOW/-ENOTSUP with a message when it is
 * malformed. The result refers to elf's buffer, which must outlive it.
 */
EVBPF_HIDDEN int evbpf__dwarf_parse(const struct evbpf_elf *elf, struct evbpf_dwarf **dwp);
/* The same from the bytes of an ELF object (copied; any alignment). */
EVBPF_HIDDEN int evbpf__dwarf_parse_mem(const void *buf, size_t size, struct evbpf_dwarf **dwp);
EVBPF_HIDDEN void evbpf__dwarf_free(struct evbpf_dwarf *dw);

EVBPF_HIDDEN size_t evbpf__dwarf_die_cnt(const struct evbpf_dwarf *dw);
/* The DIE at index idx, or NULL when out of range (EVBPF_DWARF_NONE too). */
EVBPF_HIDDEN const struct evbpf_dwarf_die *evbpf__dwarf_die(const struct evbpf_dwarf *dw,
                                                            uint32_t idx);
/* The highest DWARF version among the units read. */
EVBPF_HIDDEN int evbpf__dwarf_version(const struct evbpf_dwarf *dw);

/* Follow typedef, const, volatile, restrict and atomic from idx; the
 * index reached, EVBPF_DWARF_NONE for void or a chain that loops. */
EVBPF_HIDDEN uint32_t evbpf__dwarf_skip_mods(const struct evbpf_dwarf *dw, uint32_t idx);
/* Size in bytes of a type (through modifiers and arrays); -errno when it
 * has none (void, a declaration, a loop). */
EVBPF_HIDDEN int64_t evbpf__dwarf_type_size(const struct evbpf_dwarf *dw, uint32_t idx);
/* The DIE whose name, type, ... an inlined or concrete DIE takes from its
 * abstract origin: follows DW_AT_abstract_origin (bounded); idx itself when
 * it has none. */
EVBPF_HIDDEN uint32_t evbpf__dwarf_origin(const struct evbpf_dwarf *dw, uint32_t idx);

/*
 * core/dwarf_btf.c: append DWARF type idx (and what it needs) to btf,
 * which must not be split BTF; *idp is its BTF id. Named structs, unions,
 * enums, typedefs and base types btf already has with the same size are
 * reused, not added again; what pointers point to is only declared (FWD)
 * when it is a struct or union. -errno with a message on types BTF cannot
 * express (a 3-byte enum, a bitfield past 2^24 bits).
 */
EVBPF_HIDDEN int evbpf__dwarf_to_btf(const struct evbpf_dwarf *dw, uint32_t idx,
                                     struct evbpf_btf *btf, uint32_t *idp);

#endif /* EVBPF_CORE_DWARF_H */
