/* SPDX-License-Identifier: ISC */
/*
 * net.c: the net probe, cmapp_net_mon (the manual's cmapp_net_mon.pl), for
 * a DIO LAN:
 *
 *   cmapp_net_mon --lan NAME --ip ADDRESS [--guest_logfile FILE]
 *       [--host_logfile FILE] [--log_level 0-2] [--probe_count N]
 *       [--polling_interval SECONDS]
 *
 * Each poll sends one ICMP (or ICMPv6) echo request to ADDRESS out of the
 * interface NAME only (SO_BINDTODEVICE), then waits the rest of the polling
 * interval for the reply while checking every 100 ms that NAME is still up
 * and has a carrier.  Down or without carrier: a failure at once.
 * probe_count replies lost in a row: a failure.  Log levels (the manual's):
 * 0 the failures only, 1 also each lost ping, 2 also each ping.
 *
 * The pings go out of a raw socket (root or CAP_NET_RAW); without that
 * privilege an unprivileged ping socket is tried, which works only where
 * the sysctl net.ipv4.ping_group_range lets this group in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "probe_util.h"

#define ICMP_FILTER_OPT	1	/* linux/icmp.h's ICMP_FILTER */
#define LINK_CHECK_MS	100
#define RECHECK_MS	50	/* a link seen without a carrier, again */
#define WINDOW_SLACK_MS	30	/* a step ends this much before the next */

struct net {
	char			**argv;		/* normalised copy: owns strings */
	const char		 *lan, *ip;
	unsigned		  probe_count, interval, level;
	/* set up by init */
	struct sockaddr_storage	  dst;
	socklen_t		  dstlen;
	int			  v6, raw, fd;
	uint16_t		  id, seq;
	uint64_t		  cookie;
	unsigned		  lost;		/* in a row */
	char			  err[128];	/* why the last send failed */
};

static const char usage[] =
"usage: cmapp_net_mon --lan NAME --ip ADDRESS [--guest_logfile FILE]\n"
"           [--host_logfile FILE] [--log_level 0-2] [--probe_count N]\n"
"           [--polling_interval SECONDS]\n";

static const char help[] =
"Pings ADDRESS (IPv4 or IPv6, such as the gateway all package nodes share)\n"
"out of the interface NAME only, and exits 1 when NAME is down or has no\n"
"carrier, or when probe_count pings in a row got no reply.\n"
"\n"
"  --lan NAME                 the interface to monitor\n"
"  --ip ADDRESS               the address to ping through it\n"
"  --guest_logfile FILE       a log file in this guest\n"
"  --host_logfile FILE        a log file on the VM host (written there by\n"
"                             cmappmgr; run by hand, this machine's FILE)\n"
"  --log_level 0-2            0 (default): failures only; 1: also lost pings;\n"
"                             2: every ping\n"
"  --probe_count N            lost pings in a row that fail the LAN (default 4)\n"
"  --polling_interval SECONDS seconds between pings (default 2)\n"
"\n"
"Exit status: 0 stopped by SIGTERM, 1 the LAN failed, 2 usage error,\n"
"3 the monitor cannot work (such as no privilege for ICMP sockets).\n";

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
net_fini(void *state)
{
	struct net	*n = state;

	if (n == NULL)
		return;
	if (n->fd >= 0)
		close(n->fd);
	pu_argv_free(n->argv);
	free(n);
}

/* ADDRESS, or ADDRESS%SCOPE for IPv6, into n->dst (scope filled in init):
 * 0, -EINVAL, or -ENODEV for a SCOPE that is no interface. */
static int
parse_ip(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 a[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
		return 0;
	}
	if (strlen(s) >= sizeof(a))
		return -EINVAL;
	strcpy(a, s);
	if ((pct = strchr(a, '%')) != NULL)
		*pct++ = '\0';
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) != 1)
		return -EINVAL;
	sin6->sin6_family = AF_INET6;
	if (pct != NULL && (sin6->sin6_scope_id = if_nametoindex(pct)) == 0)
		return -ENODEV;
	*len = sizeof(*sin6);
	return 0;
}

static void
net_parse_args(int argc, char **argv, struct cmapp_config *cfg, void **state,
    struct cmapp_result *r)
{
	static const int	 maxpri[] = { LOG_ERR, LOG_NOTICE, LOG_DEBUG };
	static const struct option longopts[] = {
		{ "lan", required_argument, NULL, 'l' },
		{ "ip", required_argument, NULL, 'i' },
		{ "guest_logfile", required_argument, NULL, 'g' },
		{ "host_logfile", required_argument, NULL, 'H' },
		{ "log_level", required_argument, NULL, 'L' },
		{ "probe_count", required_argument, NULL, 'c' },
		{ "polling_interval", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct net		*n;
	int			 c, e, li = -1;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->argv = pu_argv_normalize(argc, argv)) == NULL) {
		free(n);
		pu_result(r, CMAPP_ERROR, LOG_ERR, "out of memory");
		return;
	}
	*state = n;
	n->fd = -1;
	n->probe_count = 4;
	n->interval = 2;
	optind = 0;
	opterr = 0;
	/* The leading '-' hands a stray word over where it stands (as 1),
	 * whatever POSIXLY_CORRECT in the environment cmappserver passes on
	 * says: the same line always gets the same answer. */
	while ((c = getopt_long_only(argc, n->argv, "-:hv", longopts, &li)) !=
	    -1) {
		const char *opt;

		if (c == 1) {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "unexpected argument "
			    "\"%s\"", optarg);
			return;
		}
		opt = pu_opt_word(n->argv, optind, optarg);

		if (c != ':' && c != '?' && li >= 0 &&
		    longopts[li].has_arg && !pu_long_exact(opt,
		    longopts[li].name)) {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "unknown option %s "
			    "(write options out in full)", opt);
			return;
		}
		if ((c == 'g' || c == 'H') && *optarg == '\0') {
			pu_result(r, CMAPP_USAGE, LOG_ERR, "%s needs a file "
			    "name", opt);
			return;
		}
		li = -1;
		switch (c) {
		case 'l':
			n->lan = optarg;
			break;
		case 'i':
			n->ip = optarg;
			break;
		case 'g':
			cfg->guest_log = optarg;
			break;
		case 'H':
			cfg->host_log = optarg;
			break;
		case 'L':
			if (pu_parse_uint(optarg, 0, 2, &n->level) < 0)
				goto bad_number;
			break;
		case 'c':
			if (pu_parse_uint(optarg, 1, 1000, &n->probe_count) < 0)
				goto bad_number;
			break;
		case 't':
			if (pu_parse_uint(optarg, 1, 86400, &n->interval) < 0)
				goto bad_number;
			break;
		case 'h':
			r->status = CMAPP_SHOW_HELP;
			return;
		case 'v':
			r->status = CMAPP_SHOW_VERSION;
			return;
		case ':':
			pu_result(r, CMAPP_USAGE, LOG_ERR, "%s needs a value",
			    opt);
			return;
		default:
			pu_result(r, CMAPP_USAGE, LOG_ERR, "unknown option %s",
			    opt);
			return;
		}
		continue;
bad_number:
		pu_result(r, CMAPP_USAGE, LOG_ERR, "%s takes a whole number %s, "
		    "not \"%s\"", opt, c == 'L' ? "from 0 to 2" : c == 'c' ?
		    "from 1 to 1000" : "of seconds from 1 to 86400", optarg);
		return;
	}
	if (optind < argc) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "unexpected argument \"%s\"",
		    n->argv[optind]);
		return;
	}
	if (n->lan == NULL || n->ip == NULL) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "%s",
		    n->lan == NULL && n->ip == NULL ? "--lan and --ip are "
		    "required" : n->lan == NULL ? "--lan is required" :
		    "--ip is required");
		return;
	}
	if (n->lan[0] == '\0' || strlen(n->lan) >= IF_NAMESIZE ||
	    strchr(n->lan, '/') != NULL) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "--lan \"%s\" is no "
		    "interface name", n->lan);
		return;
	}
	if ((e = parse_ip(n->ip, &ss, &sl)) < 0) {
		if (e == -ENODEV)
			pu_result(r, CMAPP_USAGE, LOG_ERR, "--ip \"%s\": its "
			    "scope %s is no interface of this guest", n->ip,
			    strchr(n->ip, '%') + 1);
		else
			pu_result(r, CMAPP_USAGE, LOG_ERR, "--ip \"%s\" is no "
			    "IPv4 or IPv6 address", n->ip);
		return;
	}
	cfg->interval_ms = n->interval * 1000;
	/* A step lasts the interval; it bounds its own waits. */
	cfg->timeout_ms = cfg->interval_ms + 2000;
	cfg->log_max = maxpri[n->level];
	r->status = CMAPP_OK;
}

/* 0 up with a carrier, else -errno with the reason in why. */
static int
link_state(struct net *n, char *why, size_t len)
{
	struct ifreq	ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->lan);
	if (ioctl(n->fd, SIOCGIFFLAGS, &ifr) < 0) {
		int e = errno;

		snprintf(why, len, "interface %s is gone: %s", n->lan,
		    strerror(e));
		return -e;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		snprintf(why, len, "interface %s is down", n->lan);
		return -ENETDOWN;
	}
	if (!(ifr.ifr_flags & IFF_RUNNING)) {
		/* An interface being set down reads as up without a carrier
		 * for a moment (the kernel clears "running" first and IFF_UP
		 * after an RCU grace period): look again before blaming the
		 * link. */
		nanosleep(&(struct timespec){ 0, RECHECK_MS * 1000000L },
		    NULL);
		if (ioctl(n->fd, SIOCGIFFLAGS, &ifr) == 0 &&
		    !(ifr.ifr_flags & IFF_UP)) {
			snprintf(why, len, "interface %s is down", n->lan);
			return -ENETDOWN;
		}
		snprintf(why, len, "interface %s has no carrier (link down)",
		    n->lan);
		return -ENETDOWN;
	}
	return 0;
}

static int
open_socket(struct net *n, char *why, size_t len)
{
	int	proto = n->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int	e;

	n->raw = 1;
	if ((n->fd = socket(n->dst.ss_family, SOCK_RAW | SOCK_CLOEXEC,
	    proto)) < 0) {
		e = errno;
		if (e != EPERM && e != EACCES) {
			snprintf(why, len, "cannot open an ICMP socket: %s",
			    strerror(e));
			return -e;
		}
		n->raw = 0;
		if ((n->fd = socket(n->dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC,
		    proto)) < 0) {
			snprintf(why, len, "cannot send pings: a raw ICMP "
			    "socket needs root or CAP_NET_RAW (%s), and this "
			    "group may not open ping sockets (%s; see the "
			    "sysctl net.ipv4.ping_group_range)", strerror(e),
			    strerror(errno));
			return -e;
		}
	}
	if (setsockopt(n->fd, SOL_SOCKET, SO_BINDTODEVICE, n->lan,
	    (socklen_t)strlen(n->lan) + 1) < 0) {
		e = errno;
		snprintf(why, len, "cannot bind the ICMP socket to %s: %s",
		    n->lan, strerror(e));
		return -e;
	}
	if (n->raw && n->v6) {
		struct icmp6_filter	f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		setsockopt(n->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	} else if (n->raw) {
		uint32_t	block = ~(1U << 0);	/* all but echo reply */

		setsockopt(n->fd, SOL_RAW, ICMP_FILTER_OPT, &block,
		    sizeof(block));
	}
	return 0;
}

/* Whether name, an address's interface or IPv4 label (lan0, lan0:1), is
 * on the interface link. */
static int
on_link(const char *name, const char *link)
{
	size_t	k = strlen(link);

	return strncmp(name, link, k) == 0 &&
	    (name[k] == '\0' || name[k] == ':');
}

/*
 * The interface holding dst as one of this guest's own addresses, in
 * ifname; 0 if none holds it (or lan is a loopback, where everything is
 * local), -errno if the addresses cannot be read.  The kernel answers a
 * ping to an own address from inside, whatever device the socket is bound
 * to: the link would look healthy for ever.  A link-local address is only
 * ours on its own link: fe80::1 here on lan1 is not the peer fe80::1 on
 * lan0 (nor is 169.254.x.y).
 */
static int
own_address(const struct net *n, char *ifname, size_t len)
{
	const struct sockaddr_in6	*d6 = (const void *)&n->dst;
	const struct sockaddr_in	*d4 = (const void *)&n->dst;
	struct ifaddrs			*all, *a;
	char				 scope[IF_NAMESIZE];
	const char			*link = NULL;	/* link-local: its link */
	int				 found = 0;

	if (n->v6 ? IN6_IS_ADDR_LINKLOCAL(&d6->sin6_addr) :
	    (ntohl(d4->sin_addr.s_addr) & 0xffff0000U) == 0xa9fe0000U)
		link = !n->v6 ? n->lan :
		    if_indextoname(d6->sin6_scope_id, scope) != NULL ? scope :
		    "";
	if (getifaddrs(&all) < 0)
		return -errno;
	for (a = all; a != NULL; a = a->ifa_next)
		if (strcmp(a->ifa_name, n->lan) == 0 &&
		    (a->ifa_flags & IFF_LOOPBACK))
			goto out;
	for (a = all; a != NULL && !found; a = a->ifa_next) {
		if (a->ifa_addr == NULL ||
		    a->ifa_addr->sa_family != n->dst.ss_family)
			continue;
		if (link != NULL && !on_link(a->ifa_name, link))
			continue;
		if (n->v6)
			found = memcmp(&((const struct sockaddr_in6 *)
			    (const void *)a->ifa_addr)->sin6_addr,
			    &d6->sin6_addr, sizeof(d6->sin6_addr)) == 0;
		else
			found = ((const struct sockaddr_in *)(const void *)
			    a->ifa_addr)->sin_addr.s_addr ==
			    d4->sin_addr.s_addr;
		if (found)
			snprintf(ifname, len, "%s", a->ifa_name);
	}
out:
	freeifaddrs(all);
	return found;
}

/*
 * Traffic of an interface with a master (a bridge's port, a bond's or a
 * team's slave, an Open vSwitch port) comes up the stack on the master,
 * so a socket bound to the interface never sees the replies, and a
 * healthy LAN would fail after probe_count pings.  A VRF is the one master
 * that leaves it alone (its sockets see the slave).  The reason in why and
 * -EINVAL for such a --lan; 0 otherwise, or when sysfs cannot tell.
 */
static int
enslaved(const struct net *n, char *why, size_t len)
{
	char		 path[64 + IF_NAMESIZE], link[PATH_MAX], ev[512];
	const char	*master;
	struct stat	 st;
	ssize_t		 k;
	int		 fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", n->lan);
	if ((k = readlink(path, link, sizeof(link) - 1)) <= 0)
		return 0;
	link[k] = '\0';
	master = strrchr(link, '/') != NULL ? strrchr(link, '/') + 1 : link;
	snprintf(path, sizeof(path), "/sys/class/net/%s/master/uevent",
	    n->lan);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		k = read(fd, ev, sizeof(ev) - 1);
		close(fd);
		ev[k > 0 ? k : 0] = '\0';
		if (strstr(ev, "DEVTYPE=vrf\n") != NULL)
			return 0;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/brport", n->lan);
	if (stat(path, &st) == 0)
		snprintf(why, len, "--lan %s is a port of bridge %.*s: the "
		    "replies to its pings arrive on %.*s; give --lan %.*s",
		    n->lan, IF_NAMESIZE, master, IF_NAMESIZE, master,
		    IF_NAMESIZE, master);
	else
		snprintf(why, len, "--lan %s is enslaved to %.*s (a bond, a "
		    "team or Open vSwitch): the replies to its pings arrive "
		    "there; give the interface that holds this guest's "
		    "address on that LAN", n->lan, IF_NAMESIZE, master);
	return -EINVAL;
}

static void
net_init(void *state, unsigned *ntargets, struct cmapp_result *r)
{
	struct net		*n = state;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&n->dst;
	unsigned		 ifindex;
	char			 why[CMAPP_MSG_MAX - 64], owner[IF_NAMESIZE];
	uint16_t		 rnd = 0;

	if ((ifindex = if_nametoindex(n->lan)) == 0) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "unknown interface %s "
		    "(--lan)", n->lan);
		return;
	}
	if (enslaved(n, why, sizeof(why)) < 0) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "%s", why);
		return;
	}
	parse_ip(n->ip, &n->dst, &n->dstlen);
	n->v6 = n->dst.ss_family == AF_INET6;
	if (n->v6 && sin6->sin6_scope_id == 0 &&
	    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
		sin6->sin6_scope_id = ifindex;
	/* A scope on another link: its pings could never leave by --lan,
	 * and a typo would fail the LAN after probe_count polls. */
	if (n->v6 && sin6->sin6_scope_id != 0 && sin6->sin6_scope_id !=
	    ifindex) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "--ip %s is scoped to "
		    "another interface than --lan %s", n->ip, n->lan);
		return;
	}
	if (own_address(n, owner, sizeof(owner)) > 0) {
		pu_result(r, CMAPP_USAGE, LOG_ERR, "--ip %s is this guest's "
		    "own address (on %s): its pings never leave the guest; "
		    "give the address of a peer on the DIO LAN", n->ip, owner);
		return;
	}
	if (open_socket(n, why, sizeof(why)) < 0) {
		pu_result(r, CMAPP_ERROR, LOG_ERR, "%s", why);
		return;
	}
	if (link_state(n, why, sizeof(why)) < 0) {
		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s", why);
		return;
	}
	if (getrandom(&n->cookie, sizeof(n->cookie), 0) < 0 ||
	    getrandom(&rnd, sizeof(rnd), 0) < 0)
		n->cookie = now_us() ^ ((uint64_t)getpid() << 32);
	n->id = (uint16_t)(getpid() ^ rnd);
	*ntargets = 1;
	pu_result(r, CMAPP_OK, LOG_NOTICE, "monitoring %s: pinging %s every "
	    "%u s%s, failing after %u lost in a row", n->lan, n->ip,
	    n->interval, n->raw ? "" : " (ping socket)", n->probe_count);
}

static const char *
net_target(void *state, unsigned i)
{
	(void)i;
	return ((struct net *)state)->lan;
}

/* Drains the socket: 1 if our reply was among what came. */
static int
drain(struct net *n)
{
	uint8_t	buf[1500];
	ssize_t	k;
	int	got = 0;

	while ((k = recv(n->fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
		if (icmp_echo_match(buf, (size_t)k, n->v6, n->raw && !n->v6,
		    n->raw, n->id, n->seq, n->cookie))
			got = 1;
	return got;
}

static void
net_step(void *state, unsigned i, struct cmapp_result *r)
{
	struct net	*n = state;
	struct pollfd	 pfd;
	uint8_t		 pkt[ICMP_ECHO_LEN];
	uint64_t	 start = now_us(), end, now, rtt = 0;
	char		 why[CMAPP_MSG_MAX - 64];
	size_t		 len;
	int		 replied = 0, sent;

	(void)i;
	end = start + (uint64_t)n->interval * 1000000 - WINDOW_SLACK_MS * 1000;
	if (link_state(n, why, sizeof(why)) < 0) {
		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s", why);
		return;
	}
	drain(n);		/* late replies to earlier pings */
	n->seq++;
	len = icmp_echo_build(pkt, sizeof(pkt), n->v6, n->id, n->seq,
	    n->cookie, start);
	sent = sendto(n->fd, pkt, len, 0, (struct sockaddr *)&n->dst,
	    n->dstlen) == (ssize_t)len;
	if (!sent)
		snprintf(n->err, sizeof(n->err), ": %s", strerror(errno));
	pfd.fd = n->fd;
	pfd.events = POLLIN;
	while ((now = now_us()) < end) {
		uint64_t wait = (end - now) / 1000 + 1;

		if (wait > LINK_CHECK_MS)
			wait = LINK_CHECK_MS;
		if (poll(&pfd, 1, (int)wait) > 0 && drain(n) && !replied) {
			replied = 1;
			rtt = now_us() - start;
		}
		if (link_state(n, why, sizeof(why)) < 0) {
			pu_result(r, CMAPP_FAIL, LOG_ERR, "%s", why);
			return;
		}
	}
	if (replied) {
		n->lost = 0;
		pu_result(r, CMAPP_OK, LOG_DEBUG, "%s: reply from %s, seq %u, "
		    "in %.3f ms", n->lan, n->ip, n->seq, rtt / 1000.0);
		return;
	}
	if (++n->lost >= n->probe_count) {
		pu_result(r, CMAPP_FAIL, LOG_ERR, "%s: %u pings in a row to %s "
		    "got no reply%s: the LAN failed", n->lan, n->lost, n->ip,
		    sent ? "" : n->err);
		return;
	}
	pu_result(r, CMAPP_OK, LOG_WARNING, "%s: ping seq %u to %s got no "
	    "reply%s (%u of %u in a row)", n->lan, n->seq, n->ip,
	    sent ? "" : n->err, n->lost, n->probe_count);
}

__attribute__((visibility("default")))
const struct cmapp_probe cmapp_probe = {
	.abi = CMAPP_PLUGIN_ABI,
	.name = "net",
	.usage = usage,
	.help = help,
	.step_name = "ping",
	.parse_args = net_parse_args,
	.init = net_init,
	.target = net_target,
	.step = net_step,
	.fini = net_fini,
};
