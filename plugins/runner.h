/* SPDX-License-Identifier: ISC */
/*
 * runner.h: the one runner of every cmapp_NAME_mon command.  It loads the
 * probe NAME.so found next to the executable, in <exe dir>/plugins/ and then
 * <exe dir>/../lib/cmapp/, so that the build tree (build/cmapp_net_mon,
 * build/plugins/net.so) and an installed tree (/opt/hp/cmappserver/...)
 * both work.  Exit codes: 0 stopped by SIGTERM/SIGINT (or -h, -v), 1 the
 * monitored LAN or disk failed, 2 usage error, 3 the monitor cannot work.
 */
#ifndef CMAPP_RUNNER_H
#define CMAPP_RUNNER_H

#include <stddef.h>

#include "plugin.h"

enum { RUNNER_EXIT_OK, RUNNER_EXIT_FAIL, RUNNER_EXIT_USAGE, RUNNER_EXIT_ERROR };

struct runner_opts {
	unsigned	polls;	/* end (exit 0) after so many polls; 0: never */
	int		quiet;	/* no stderr, no syslog (tests) */
};

int	runner_main(int argc, char **argv, const struct runner_opts *);
int	runner_probe_name(const char *argv0, char *name, size_t len);
int	runner_plugin_paths(const char *exe, const char *name, char *a,
	    char *b, size_t len);
int	runner_load(const char *path, const struct cmapp_probe **,
	    char *err, size_t errlen);
int	runner_run(const struct cmapp_probe *, void *state,
	    const struct cmapp_config *, const char *cmd,
	    const struct runner_opts *);
int	runner_exit_code(int status);

#endif
