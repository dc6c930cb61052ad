/* SPDX-License-Identifier: ISC */
/*
 * test_net_probe.c: tests for the net probe (build/plugins/net.so, loaded
 * through the runner's loader) and its packets (plugins/icmp.c).  The live
 * tests ping over lo in a network namespace of their own (each Criterion
 * test is a process of its own), so that they can take lo down and make
 * it ignore pings; they are skipped where namespaces are not allowed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../plugins/icmp.h"
#include "../plugins/runner.h"
#include "argvfix.h"
#include "ciskip.h"

static const struct cmapp_probe *
net_probe(void)
{
	const struct cmapp_probe	*p;
	char				 exe[PATH_MAX], path[PATH_MAX + 32];
	char				 err[PATH_MAX + 256];
	ssize_t				 n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../plugins/net.so", exe);
	cr_assert_eq(runner_load(path, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p->name, "net");
	return p;
}

struct parsed {
	const struct cmapp_probe	*p;
	struct cmapp_config		 cfg;
	struct cmapp_result		 r;
	void				*state;
};

static struct parsed
parse(char **argv)
{
	struct parsed	x;
	int		argc = 0;

	memset(&x, 0, sizeof(x));
	x.p = net_probe();
	while (argv[argc] != NULL)
		argc++;
	x.p->parse_args(argc, argv, &x.cfg, &x.state, &x.r);
	return x;
}

static void
done(struct parsed *x)
{
	x->p->fini(x->state);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A network namespace of this test's own, with lo up or down. */
static void
own_netns(int lo_up)
{
	struct ifreq	ifr;
	int		s;

	if (unshare(CLONE_NEWNET) < 0)
		skip_test("no network namespace: %s", strerror(errno));
	if (!lo_up)
		return;
	cr_assert_geq(s = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

static void
sysctl_set(const char *path, const char *v)
{
	int	fd = open(path, O_WRONLY);

	if (fd < 0)
		skip_test("%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, v, strlen(v)), (ssize_t)strlen(v));
	close(fd);
}

Test(net_probe, defaults)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "eth0", "--ip",
	    "192.0.2.1");
	struct parsed	 x = parse(argv);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.interval_ms, 2000);
	cr_assert_eq(x.cfg.timeout_ms, 4000);
	cr_assert_eq(x.cfg.log_max, LOG_ERR);
	cr_assert_null(x.cfg.guest_log);
	cr_assert_null(x.cfg.host_log);
	done(&x);
}

/* The manual's service line, "-probe_count" with its one dash included. */
Test(net_probe, the_manuals_service_line)
{
	char		**argv = ARGV("/opt/hp/cmappserver/cmapp_net_mon.pl",
	    "--lan", "lan0", "--ip", "192.168.1.154", "--guest_logfile",
	    "/var/adm/vm1_lan0.log", "--host_logfile", "/var/adm/vm1_lan0.log",
	    "--log_level", "1", "-probe_count", "5", "--polling_interval", "3");
	struct parsed	 x = parse(argv);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.interval_ms, 3000);
	cr_assert_eq(x.cfg.log_max, LOG_NOTICE);
	cr_assert_str_eq(x.cfg.guest_log, "/var/adm/vm1_lan0.log");
	cr_assert_str_eq(x.cfg.host_log, "/var/adm/vm1_lan0.log");
	done(&x);
}

Test(net_probe, log_levels_and_other_spellings)
{
	char		**a2 = ARGV("cmapp_net_mon", "-lan=eth0", "-ip=fd00::1",
	    "-log_level", "2", "-probe_count", "1", "\xe2\x80\x93polling_interval",
	    "86400");
	struct parsed	 x = parse(a2);

	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.cfg.log_max, LOG_DEBUG);
	cr_assert_eq(x.cfg.interval_ms, 86400000u);
	done(&x);
}

/* Abbreviated, or spelt otherwise than the manual: cmappmgr, finding the
 * host log in the same words, must never read them otherwise. */
Test(net_probe, options_are_written_out_in_full)
{
	const char	*words[] = { "--host", "--log-level", "--probe-count",
	    "--host-logfile", "-poll" };
	size_t		 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char		**argv = ARGV("cmapp_net_mon", "--lan", "eth0",
		    "--ip", "192.0.2.1", words[i], "1");
		struct parsed	 x = parse(argv);

		cr_assert_eq(x.r.status, CMAPP_USAGE, "%s", words[i]);
		cr_assert(strstr(x.r.msg, words[i]), "%s", x.r.msg);
		done(&x);
	}
}

Test(net_probe, missing_lan_or_ip)
{
	char		**a0 = ARGV("cmapp_net_mon");
	char		**a1 = ARGV("cmapp_net_mon", "--lan", "eth0");
	char		**a2 = ARGV("cmapp_net_mon", "--ip", "192.0.2.1");
	struct parsed	 x;

	x = parse(a0);
	cr_assert_eq(x.r.status, CMAPP_USAGE);
	cr_assert_str_eq(x.r.msg, "--lan and --ip are required");
	done(&x);
	x = parse(a1);
	cr_assert_str_eq(x.r.msg, "--ip is required");
	done(&x);
	x = parse(a2);
	cr_assert_str_eq(x.r.msg, "--lan is required");
	done(&x);
}

Test(net_probe, bad_values_are_usage_errors)
{
	const char	*cases[][2] = {
		{ "--log_level", "3" }, { "--log_level", "-1" },
		{ "--probe_count", "0" }, { "--probe_count", "4x" },
		{ "--polling_interval", "0" }, { "--polling_interval", "2s" },
		{ "--polling_interval", "" }, { "--polling_interval", "1.5" },
		{ "--ip", "gateway" }, { "--ip", "192.168.1" },
		{ "--ip", "fe80::1%nosuch0" }, { "--lan", "a/b" },
		{ "--lan", "a_name_much_too_long" }, { "--bogus", "1" },
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char		**argv = ARGV("cmapp_net_mon", "--lan", "eth0",
		    "--ip", "192.0.2.1", cases[i][0],
		    cases[i][1]);
		struct parsed	 x = parse(argv);

		cr_assert_eq(x.r.status, CMAPP_USAGE, "%s %s", cases[i][0],
		    cases[i][1]);
		cr_assert_neq(x.r.msg[0], '\0');
		done(&x);
	}
}

Test(net_probe, stray_words_and_missing_values)
{
	char		**a1 = ARGV("cmapp_net_mon", "--lan", "eth0", "--ip",
	    "192.0.2.1", "extra");
	char		**a2 = ARGV("cmapp_net_mon", "--ip", "192.0.2.1", "--lan");
	char		**a3 = ARGV("cmapp_net_mon", "--help");
	char		**a4 = ARGV("cmapp_net_mon", "--version");
	char		**a5 = ARGV("cmapp_net_mon", "-h");
	struct parsed	 x;

	x = parse(a1);
	cr_assert_str_eq(x.r.msg, "unexpected argument \"extra\"");
	done(&x);
	x = parse(a2);
	cr_assert_str_eq(x.r.msg, "--lan needs a value");
	done(&x);
	x = parse(a3);
	cr_assert_eq(x.r.status, CMAPP_SHOW_HELP);
	done(&x);
	x = parse(a4);
	cr_assert_eq(x.r.status, CMAPP_SHOW_VERSION);
	done(&x);
	x = parse(a5);
	cr_assert_eq(x.r.status, CMAPP_SHOW_HELP);
	done(&x);
}

/* cmappserver passes its environment on: POSIXLY_CORRECT there must not
 * change how a service line reads (getopt would stop at the first word
 * that is no option). */
Test(net_probe, posixly_correct_changes_nothing)
{
	char		**a1 = ARGV("/opt/hp/cmappserver/cmapp_net_mon.pl",
	    "--lan", "lan0", "--ip", "192.168.1.154", "--host_logfile",
	    "/var/adm/vm1_lan0.log", "--log_level", "1", "-probe_count", "5",
	    "--polling_interval", "3");
	char		**a2 = ARGV("cmapp_net_mon", "extra", "--lan", "eth0",
	    "--ip", "192.0.2.1", "--log_level", "9");
	char		**lines[] = { a1, a2 };
	struct parsed	 x, y;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		unsetenv("POSIXLY_CORRECT");
		x = parse(lines[i]);
		setenv("POSIXLY_CORRECT", "1", 1);
		y = parse(lines[i]);
		unsetenv("POSIXLY_CORRECT");
		cr_assert_eq(x.r.status, y.r.status, "line %zu: %s / %s", i,
		    x.r.msg, y.r.msg);
		cr_assert_str_eq(x.r.msg, y.r.msg, "line %zu", i);
		cr_assert_eq(x.cfg.log_max, y.cfg.log_max, "line %zu", i);
		cr_assert_eq(x.cfg.interval_ms, y.cfg.interval_ms, "line %zu", i);
		done(&x);
		done(&y);
	}
	x = parse(a2);
	cr_assert_str_eq(x.r.msg, "unexpected argument \"extra\"");
	done(&x);
}

Test(net_probe, unknown_interface_is_a_usage_error)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "nosuch0", "--ip",
	    "192.0.2.1");
	struct parsed	 x = parse(argv);
	unsigned	 n = 0;

	cr_assert_eq(x.r.status, CMAPP_OK);
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_USAGE);
	cr_assert_str_eq(x.r.msg, "unknown interface nosuch0 (--lan)");
	done(&x);
}

static void
live_reply(const char *ip)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    ip, "--polling_interval", "1");
	struct parsed	 x;
	unsigned	 n = 0;
	double		 t0;

	own_netns(1);
	x = parse(argv);
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(x.p->target(x.state, 0), "lo");
	t0 = now();
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.r.priority, LOG_DEBUG);
	cr_assert(strstr(x.r.msg, "lo: reply from ") != NULL, "%s", x.r.msg);
	/* A step lasts (nearly) its interval, watching the link. */
	cr_assert(now() - t0 > 0.9 && now() - t0 < 1.1, "%.3f", now() - t0);
	x.p->step(x.state, 0, &x.r);
	cr_assert(strstr(x.r.msg, "seq 2") != NULL, "%s", x.r.msg);
	done(&x);
}

Test(net_probe, live_ipv4_reply, .timeout = 10)
{
	live_reply("127.0.0.1");
}

Test(net_probe, live_ipv6_reply, .timeout = 10)
{
	live_reply("::1");
}

Test(net_probe, probe_count_lost_pings_fail, .timeout = 10)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    "127.0.0.1", "--polling_interval", "1", "--probe_count", "2");
	struct parsed	 x;
	unsigned	 n = 0;

	own_netns(1);
	sysctl_set("/proc/sys/net/ipv4/icmp_echo_ignore_all", "1");
	x = parse(argv);
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert_eq(x.r.priority, LOG_WARNING);
	cr_assert_str_eq(x.r.msg, "lo: ping seq 1 to 127.0.0.1 got no reply "
	    "(1 of 2 in a row)");
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL, "%s", x.r.msg);
	cr_assert_str_eq(x.r.msg, "lo: 2 pings in a row to 127.0.0.1 got no "
	    "reply: the LAN failed");
	done(&x);
}

Test(net_probe, a_reply_resets_the_count, .timeout = 10)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    "::1", "--polling_interval", "1", "--probe_count", "2");
	struct parsed	 x;
	unsigned	 n = 0;

	own_netns(1);
	x = parse(argv);
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	sysctl_set("/proc/sys/net/ipv6/icmp/echo_ignore_all", "1");
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.priority, LOG_WARNING, "%s", x.r.msg);
	sysctl_set("/proc/sys/net/ipv6/icmp/echo_ignore_all", "0");
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.priority, LOG_DEBUG, "%s", x.r.msg);
	sysctl_set("/proc/sys/net/ipv6/icmp/echo_ignore_all", "1");
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert(strstr(x.r.msg, "(1 of 2 in a row)"), "%s", x.r.msg);
	done(&x);
}

Test(net_probe, an_interface_down_at_start_fails)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    "127.0.0.1");
	struct parsed	 x;
	unsigned	 n = 0;

	own_netns(0);
	x = parse(argv);
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_FAIL, "%s", x.r.msg);
	cr_assert_str_eq(x.r.msg, "interface lo is down");
	done(&x);
}

static void *
take_lo_down(void *arg)
{
	struct timespec	ts = { 0, 300 * 1000 * 1000 };
	struct ifreq	ifr;
	int		s = socket(AF_INET, SOCK_DGRAM, 0);

	(void)arg;
	nanosleep(&ts, NULL);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags &= ~IFF_UP;
	ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return NULL;
}

Test(net_probe, an_interface_going_down_fails_at_once, .timeout = 10)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    "127.0.0.1", "--polling_interval", "10");
	struct parsed	 x;
	pthread_t	 t;
	unsigned	 n = 0;
	double		 t0;

	own_netns(1);
	x = parse(argv);
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	t0 = now();
	cr_assert_eq(pthread_create(&t, NULL, take_lo_down, NULL), 0);
	x.p->step(x.state, 0, &x.r);
	pthread_join(t, NULL);
	cr_assert_eq(x.r.status, CMAPP_FAIL, "%s", x.r.msg);
	cr_assert_str_eq(x.r.msg, "interface lo is down");
	cr_assert_lt(now() - t0, 1.0);
	done(&x);
}

Test(net_probe, no_privilege_is_explained)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    "127.0.0.1");
	struct parsed	 x;
	unsigned	 n = 0;

	own_netns(1);		/* its ping_group_range is "1 0" */
	x = parse(argv);
	if (setgid(65534) < 0 || setuid(65534) < 0)
		skip_test("cannot drop privileges: %s", strerror(errno));
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_ERROR, "%s", x.r.msg);
	cr_assert(strstr(x.r.msg, "needs root or CAP_NET_RAW") &&
	    strstr(x.r.msg, "net.ipv4.ping_group_range"), "%s", x.r.msg);
	done(&x);
}

Test(net_probe, without_root_a_ping_socket_where_allowed, .timeout = 10)
{
	char		**argv = ARGV("cmapp_net_mon", "--lan", "lo", "--ip",
	    "127.0.0.1", "--polling_interval", "1");
	struct parsed	 x;
	unsigned	 n = 0;

	own_netns(1);
	sysctl_set("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
	x = parse(argv);
	if (setgid(65534) < 0 || setuid(65534) < 0)
		skip_test("cannot drop privileges: %s", strerror(errno));
	x.p->init(x.state, &n, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert(strstr(x.r.msg, "(ping socket)"), "%s", x.r.msg);
	x.p->step(x.state, 0, &x.r);
	cr_assert_eq(x.r.status, CMAPP_OK, "%s", x.r.msg);
	cr_assert(strstr(x.r.msg, "reply from 127.0.0.1"), "%s", x.r.msg);
	done(&x);
}

Test(icmp, checksum_rfc1071)
{
	const uint8_t	b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6,
	    0xf7 };

	cr_assert_eq(icmp_checksum(b, sizeof(b)), 0x220d);
	cr_assert_eq(icmp_checksum(b, 7), 0x2304);	/* odd: padded */
}

Test(icmp, echo_request_and_its_reply)
{
	uint8_t		pkt[20 + ICMP_ECHO_LEN];
	uint8_t		*icmp = pkt + 20;
	uint64_t	cookie = 0x0123456789abcdefULL;

	cr_assert_eq(icmp_echo_build(icmp, ICMP_ECHO_LEN, 0, 0x1234, 7, cookie,
	    99), ICMP_ECHO_LEN);
	cr_assert_eq(icmp[0], 8);
	cr_assert_eq(icmp_checksum(icmp, ICMP_ECHO_LEN), 0);
	cr_assert_eq(icmp_echo_build(icmp, 8, 0, 1, 1, 1, 1), 0);
	/* Our own request is no reply. */
	cr_assert_not(icmp_echo_match(icmp, ICMP_ECHO_LEN, 0, 0, 1, 0x1234,
	    7, cookie));
	icmp[0] = 0;		/* as the peer sends it back */
	cr_assert(icmp_echo_match(icmp, ICMP_ECHO_LEN, 0, 0, 1, 0x1234, 7,
	    cookie));
	cr_assert_not(icmp_echo_match(icmp, ICMP_ECHO_LEN, 0, 0, 1, 0x1235, 7,
	    cookie));
	cr_assert(icmp_echo_match(icmp, ICMP_ECHO_LEN, 0, 0, 0, 0x1235, 7,
	    cookie));	/* ping sockets: the kernel's id */
	cr_assert_not(icmp_echo_match(icmp, ICMP_ECHO_LEN, 0, 0, 1, 0x1234, 8,
	    cookie));
	cr_assert_not(icmp_echo_match(icmp, ICMP_ECHO_LEN, 0, 0, 1, 0x1234, 7,
	    cookie + 1));
	cr_assert_not(icmp_echo_match(icmp, 15, 0, 0, 1, 0x1234, 7, cookie));
	/* From a raw IPv4 socket: behind a 20-byte IP header. */
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[9] = 1;
	cr_assert(icmp_echo_match(pkt, sizeof(pkt), 0, 1, 1, 0x1234, 7,
	    cookie));
	pkt[9] = 17;
	cr_assert_not(icmp_echo_match(pkt, sizeof(pkt), 0, 1, 1, 0x1234, 7,
	    cookie));
	pkt[9] = 1;
	pkt[0] = 0x4f;		/* a header longer than the packet */
	cr_assert_not(icmp_echo_match(pkt, sizeof(pkt), 0, 1, 1, 0x1234, 7,
	    cookie));
}

Test(icmp, echo_v6)
{
	uint8_t		p[ICMP_ECHO_LEN];
	uint64_t	cookie = 42;

	icmp_echo_build(p, sizeof(p), 1, 9, 65535, cookie, 0);
	cr_assert_eq(p[0], 128);
	cr_assert_eq(p[2] | p[3], 0, "the kernel sums ICMPv6");
	p[0] = 129;
	cr_assert(icmp_echo_match(p, sizeof(p), 1, 0, 1, 9, 65535, cookie));
	p[0] = 0;
	cr_assert_not(icmp_echo_match(p, sizeof(p), 1, 0, 1, 9, 65535, cookie));
}
