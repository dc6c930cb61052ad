/* SPDX-License-Identifier: ISC */
/*
 * test_probe.c: a probe for the runner's tests (build/tests/plugins/test.so,
 * run as cmapp_test_mon from build/tests/), and the proof that a third
 * probe needs no change to the runner.  Each step of a target says
 * "TARGET step K" at priority K mod 8, so that a level keeps a known part.
 *
 *   cmapp_test_mon [-n TARGETS] [-i MS] [-T MS] [-D LEVEL] [-g FILE]
 *       [-O FILE] [-t TARGET] [-f K] [-F K] [-H K] [-k K] [-S K] [-U K]
 *
 * At step K of target TARGET (by default the last one): -f fails, -H hangs
 * for good, -k kills the worker, -S sends the runner SIGTERM, -U finds the
 * command line wrong.  -t 0 makes the first target the faulty one, so that
 * a runner that waited for its targets in turn would be caught.  -F fails
 * every target at step K, target I after I x 50 ms (their answers come
 * apart, as disks lost together do).
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "probe_util.h"

struct tstate {
	unsigned	n, fail, fail_all, hang, crash, term, usage, steps;
	unsigned	faulty;		/* -t, or n: the last one */
	char		names[8][24];
};

static void
t_parse(int argc, char **argv, struct cmapp_config *cfg, void **state,
    struct cmapp_result *r)
{
	struct tstate	*s;
	unsigned	 v = 0;
	int		 c;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		pu_result(r, CMAPP_ERROR, LOG_ERR, "out of memory");
		return;
	}
	*state = s;
	s->n = 1;
	s->faulty = UINT_MAX;
	cfg->interval_ms = 50;
	cfg->timeout_ms = 1000;
	optind = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "hvn:i:T:D:g:O:t:f:F:H:k:S:U:")) != -1) {
		if (c == 'h' || c == 'v') {
			r->status = c == 'h' ? CMAPP_SHOW_HELP : CMAPP_SHOW_VERSION;
			return;
		}
		if (c == 'g' || c == 'O') {
			*(c == 'g' ? &cfg->guest_log : &cfg->host_log) = optarg;
			continue;
		}
		if (c == '?' || pu_parse_uint(optarg, 0, 100000, &v) < 0) {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "bad option -%c",
			    c == '?' ? optopt : c);
			return;
		}
		switch (c) {
		case 'n': s->n = v < 1 ? 1 : v > 8 ? 8 : v; break;
		case 'i': cfg->interval_ms = v; break;
		case 'T': cfg->timeout_ms = v; break;
		case 'D': cfg->log_max = (int)(v & 7); break;
		case 't': s->faulty = v; break;
		case 'f': s->fail = v; break;
		case 'F': s->fail_all = v; break;
		case 'H': s->hang = v; break;
		case 'k': s->crash = v; break;
		case 'S': s->term = v; break;
		case 'U': s->usage = v; break;
		}
	}
	if (s->faulty == UINT_MAX)
		s->faulty = s->n - 1;
	r->status = CMAPP_OK;
}

static void
t_init(void *state, unsigned *ntargets, struct cmapp_result *r)
{
	struct tstate	*s = state;
	unsigned	 i;

	for (i = 0; i < s->n; i++)
		snprintf(s->names[i], sizeof(s->names[i]), "target%u", i);
	*ntargets = s->n;
	pu_result(r, CMAPP_OK, LOG_NOTICE, "testing %u targets", s->n);
}

static const char *
t_target(void *state, unsigned i)
{
	return ((struct tstate *)state)->names[i];
}

static void
t_step(void *state, unsigned i, struct cmapp_result *r)
{
	struct tstate	*s = state;
	unsigned	 k = ++s->steps;

	if (k == s->fail_all) {
		usleep(i * 50000);
		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s step %u failed",
		    s->names[i], k);
		return;
	}
	if (i == s->faulty) {
		if (k == s->hang)
			for (;;)
				pause();
		if (k == s->crash)
			raise(SIGKILL);
		if (k == s->term)
			kill(getppid(), SIGTERM);
		if (k == s->usage) {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "%s is no target",
			    s->names[i]);
			return;
		}
		if (k == s->fail) {
			pu_result(r, CMAPP_FAIL, LOG_ERR, "%s step %u failed",
			    s->names[i], k);
			return;
		}
	}
	pu_result(r, CMAPP_OK, (int)(k % 8), "%s step %u", s->names[i], k);
}

static void
t_fini(void *state)
{
	free(state);
}

__attribute__((visibility("default")))
const struct cmapp_probe cmapp_probe = {
	.abi = CMAPP_PLUGIN_ABI,
	.name = "test",
	.usage = "usage: cmapp_test_mon [-n TARGETS] [-i MS] [-T MS] [-D LEVEL]"
	    " [-g FILE] [-O FILE] [-t TARGET] [-f K] [-F K] [-H K] [-k K] [-S K]"
	    " [-U K]\n",
	.help = "A probe for the runner's tests.\n",
	.step_name = "step",
	.parse_args = t_parse,
	.init = t_init,
	.target = t_target,
	.step = t_step,
	.fini = t_fini,
};
