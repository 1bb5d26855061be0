/* SPDX-License-Identifier: MIT */
/* Subcommands beyond inspect and load register here. */
#include "tool.h"

extern const struct tool_cmd tool_cmd_run;

const struct tool_cmd *const tool_extra_cmds[] = {
    &tool_cmd_run,
    NULL,
};
