/* SPDX-License-Identifier: MIT */
/* Subcommands beyond inspect and load register here. */
#include "tool.h"

const struct tool_cmd *const tool_extra_cmds[] = {
	NULL,
};
