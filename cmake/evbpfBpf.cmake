# evbpf_bpf_skeleton(): BPF C to an object and a skeleton header, for
# projects that use evbpf (installed with the package; find_package(evbpf)
# includes it, and evbpf's own build uses it for its examples).
#
#   evbpf_bpf_skeleton(NAME SOURCE.bpf.c
#                      [VMLINUX FILE | NO_VMLINUX]
#                      [LINK TARGET | NO_LINK] [OUTPUT_DIR DIR]
#                      [INCLUDES DIR...] [CLANG_FLAGS FLAG...] [DEPENDS FILE...])
#
# compiles SOURCE with clang -target bpf -O2 -g into NAME.bpf.o in
# OUTPUT_DIR (default ${CMAKE_CURRENT_BINARY_DIR}), writes NAME.skel.h next to it with
# `evbpf gen skeleton`, and creates the interface target NAME_skel: linking
# it puts NAME.skel.h on the include path, builds it first, and links
# evbpf::evbpf (LINK names another library, e.g. evbpf::evbpf_static or
# evbpf::uv; NO_LINK links nothing).
#
# clang gets -D__TARGET_ARCH_<arch> (for <bpf/bpf_tracing.h>), the
# system's multiarch include directory (/usr/include/x86_64-linux-gnu on
# Debian, where <asm/types.h> lives, so <linux/bpf.h> works without a
# vmlinux.h), and the directory of a vmlinux.h: the one VMLINUX names, else
# one generated once per build tree from the running kernel's BTF with
# `evbpf btf dump` (when /sys/kernel/btf/vmlinux exists; NO_VMLINUX skips
# it). Headers next to SOURCE are found as usual; INCLUDES adds more
# directories, CLANG_FLAGS more flags, DEPENDS more files that trigger a
# rebuild. After the call, NAME_BPF_OBJECT and NAME_SKEL_HEADER hold the
# two paths.
#
# BPF C includes libbpf's BPF-side headers (<bpf/bpf_helpers.h>, Debian's
# libbpf-dev); nothing links libbpf.

if(NOT EVBPF_CLANG)
  find_program(EVBPF_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
endif()

# The kernel's name for the architecture, as bpf_tracing.h spells it.
function(_evbpf_bpf_arch out)
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" p)
  if(p MATCHES "^(x86_64|amd64|i.86)$")
    set(a x86)
  elseif(p MATCHES "^(aarch64|arm64)$")
    set(a arm64)
  elseif(p MATCHES "^arm")
    set(a arm)
  elseif(p MATCHES "^(ppc64|ppc64le|powerpc64)")
    set(a powerpc)
  elseif(p MATCHES "^s390")
    set(a s390)
  elseif(p MATCHES "^riscv")
    set(a riscv)
  elseif(p MATCHES "^loongarch")
    set(a loongarch)
  elseif(p MATCHES "^mips")
    set(a mips)
  else()
    set(a ${p})
  endif()
  set(${out} ${a} PARENT_SCOPE)
endfunction()

# /usr/include/<multiarch>, where Debian keeps <asm/types.h>: clang
# -target bpf does not look there by itself.
function(_evbpf_bpf_multiarch_dir out)
  set(triple "${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT triple AND CMAKE_C_COMPILER)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
      OUTPUT_VARIABLE triple OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  set(dir "")
  if(triple AND EXISTS /usr/include/${triple}/asm)
    set(dir /usr/include/${triple})
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# The build tree's vmlinux.h, made once (by the first skeleton that needs
# it) from /sys/kernel/btf/vmlinux; its directory, or "" without BTF.
function(_evbpf_bpf_vmlinux_dir out)
  set(dir ${CMAKE_BINARY_DIR}/evbpf-vmlinux)
  get_property(done GLOBAL PROPERTY EVBPF_BPF_VMLINUX_DONE)
  if(NOT done)
    set_property(GLOBAL PROPERTY EVBPF_BPF_VMLINUX_DONE ON)
    if(EXISTS /sys/kernel/btf/vmlinux)
      add_custom_command(OUTPUT ${dir}/vmlinux.h
        COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
        COMMAND evbpf::tool btf dump /sys/kernel/btf/vmlinux -o ${dir}/vmlinux.h
        DEPENDS evbpf::tool
        COMMENT "vmlinux.h from /sys/kernel/btf/vmlinux (evbpf btf dump)" VERBATIM)
      add_custom_target(evbpf_vmlinux_h DEPENDS ${dir}/vmlinux.h)
    else()
      message(STATUS "evbpf: no /sys/kernel/btf/vmlinux, so no generated vmlinux.h "
                     "(evbpf_bpf_skeleton(... VMLINUX FILE) names one)")
    endif()
  endif()
  if(TARGET evbpf_vmlinux_h)
    set(${out} ${dir} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

function(evbpf_bpf_skeleton name src)
  cmake_parse_arguments(PARSE_ARGV 2 arg "NO_VMLINUX;NO_LINK" "VMLINUX;LINK;OUTPUT_DIR"
                        "INCLUDES;CLANG_FLAGS;DEPENDS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "evbpf_bpf_skeleton(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "evbpf_bpf_skeleton(${name}): the name must be a C identifier")
  endif()
  if(NOT EVBPF_CLANG)
    message(FATAL_ERROR "evbpf_bpf_skeleton(${name}): clang not found (set EVBPF_CLANG)")
  endif()
  if(NOT TARGET evbpf::tool)
    message(FATAL_ERROR "evbpf_bpf_skeleton(${name}): the evbpf tool is not installed")
  endif()
  get_filename_component(src ${src} ABSOLUTE)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  if(arg_OUTPUT_DIR)
    get_filename_component(out_dir ${arg_OUTPUT_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  file(MAKE_DIRECTORY ${out_dir})
  set(obj ${out_dir}/${name}.bpf.o)
  set(skel ${out_dir}/${name}.skel.h)

  _evbpf_bpf_arch(arch)
  set(flags -target bpf -O2 -g -Wall -D__TARGET_ARCH_${arch})
  foreach(dir ${arg_INCLUDES})
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND flags -I${dir})
  endforeach()
  set(deps ${src} ${arg_DEPENDS})
  if(arg_VMLINUX)
    # Copied as vmlinux.h so that `#include "vmlinux.h"` finds it.
    get_filename_component(vmlinux ${arg_VMLINUX} ABSOLUTE)
    set(vdir ${out_dir}/${name}.vmlinux)
    add_custom_command(OUTPUT ${vdir}/vmlinux.h
      COMMAND ${CMAKE_COMMAND} -E copy ${vmlinux} ${vdir}/vmlinux.h
      DEPENDS ${vmlinux} COMMENT "vmlinux.h for ${name} from ${arg_VMLINUX}" VERBATIM)
    list(APPEND flags -I${vdir})
    list(APPEND deps ${vdir}/vmlinux.h)
  elseif(NOT arg_NO_VMLINUX)
    _evbpf_bpf_vmlinux_dir(vdir)
    if(vdir)
      list(APPEND flags -I${vdir})
      list(APPEND deps ${vdir}/vmlinux.h evbpf_vmlinux_h)
    endif()
  endif()
  # After the vmlinux.h directory: a vmlinux.h wins over the system's
  # headers for the names both have.
  _evbpf_bpf_multiarch_dir(multiarch)
  if(multiarch)
    list(APPEND flags -idirafter ${multiarch})
  endif()
  list(APPEND flags ${arg_CLANG_FLAGS})

  set(depfile_args)
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.20 OR CMAKE_GENERATOR MATCHES "Ninja")
    set(depfile_args DEPFILE ${obj}.d)
    list(APPEND flags -MD -MF ${obj}.d)
  else()
    set(depfile_args IMPLICIT_DEPENDS C ${src})
  endif()
  add_custom_command(OUTPUT ${obj}
    COMMAND ${EVBPF_CLANG} ${flags} -c ${src} -o ${obj}
    DEPENDS ${deps}
    ${depfile_args}
    COMMENT "BPF ${name}.bpf.o" VERBATIM)
  add_custom_command(OUTPUT ${skel}
    COMMAND evbpf::tool gen skeleton ${obj} --name ${name} -o ${skel}
    DEPENDS ${obj} evbpf::tool
    COMMENT "Skeleton ${name}.skel.h" VERBATIM)
  add_custom_target(${name}_skel_gen ALL DEPENDS ${skel})

  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel INTERFACE ${out_dir})
  add_dependencies(${name}_skel ${name}_skel_gen)
  if(arg_LINK)
    target_link_libraries(${name}_skel INTERFACE ${arg_LINK})
  elseif(NOT arg_NO_LINK)
    target_link_libraries(${name}_skel INTERFACE evbpf::evbpf)
  endif()
  set(${name}_BPF_OBJECT ${obj} PARENT_SCOPE)
  set(${name}_SKEL_HEADER ${skel} PARENT_SCOPE)
endfunction()
