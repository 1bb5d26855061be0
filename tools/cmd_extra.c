/* SPDX-License-Identifier: MIT */
/* Subcommands beyond inspect and load register here. */
#include "tool.h"

extern const struct tool_cmd tool_cmd_run;
extern const struct tool_cmd tool_cmd_btf;
extern const struct tool_cmd tool_cmd_probe;
extern const struct tool_cmd tool_cmd_gen;
extern const struct tool_cmd tool_cmd_top;

const struct tool_cmd *const tool_extra_cmds[] = {
    &tool_cmd_run,
    &tool_cmd_btf,
    &tool_cmd_probe,
    &tool_cmd_gen,
    &tool_cmd_top,
    NULL,
};
