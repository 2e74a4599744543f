/* SPDX-License-Identifier: MIT */
/*
 * Network namespaces, veth pairs and packet sockets made for one run
 * (tests/lib/netns.c; the tests and bench/bench_fwd_xdp.c use it): names
 * with the pid in them, every one removed on every exit path (exit, and the
 * signals a run can die of), nothing touched that the run did not create.
 * One way to run ip: netns_ip(), optionally inside a namespace.
 *
 * Errors are returned, never fatal: a test turns them into a failure or a
 * skip, a benchmark into a reason.
 */
#ifndef NETPOOL_TEST_NETNS_H
#define NETPOOL_TEST_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NETNS_NAME_MAX	32

/* Whether the ip tool (iproute2) is installed. */
bool netns_have_ip(void);

/*
 * Run "ip [-n @ns] ARGS", ARGS from @fmt split at spaces, its output
 * discarded; a failure is reported on stderr with the command.
 * Return: ip's exit status (0: success), -1 when it could not run.
 */
int netns_ip(const char *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, quiet: for a probe whose failure is an answer. */
int netns_ip_try(const char *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A new namespace "np<@tag><pid>" with lo up, removed on every exit path;
 * its name into *@name (valid until it is removed). Return: 0; -EPERM when
 * the kernel (or a missing ip tool) refuses namespaces, -EIO when lo would
 * not come up, -ENOSPC past eight at once.
 */
int netns_add(const char *tag, const char **name);
/* Remove namespace @ns now (with whatever is left in it). */
void netns_del(const char *ns);
/* Remove every namespace netns_add() made that is still there. */
void netns_del_all(void);
/*
 * Remove @ns's name only: the namespace lives on as long as a descriptor
 * (netns_open()) holds it, and goes with the last one.
 */
void netns_unname(const char *ns);
/* Return: a descriptor of namespace @ns (for setns()), or -errno. */
int netns_open(const char *ns);
/* This thread into @ns. Return: a descriptor of where it was (for netns_leave()), or -errno. */
int netns_enter(const char *ns);
/* Back to @self (from netns_enter()), which is closed. Return: 0 or -errno. */
int netns_leave(int self);

/*
 * A veth pair @a (in @ns_a; NULL: this namespace) and @b (in @ns_b), with
 * @queues TX and RX queues each (0: veth's default). A pair with an end here
 * is deleted on every exit path. Return: 0, or ip's exit status.
 */
int netns_veth(const char *a, const char *ns_a, const char *b, const char *ns_b,
	       unsigned queues);
/* Move @ifname from @ns (NULL: here) into namespace @to. Return: 0, or ip's exit status. */
int netns_link_move(const char *ns, const char *ifname, const char *to);
/* @ifname in @ns up, with MTU @mtu (0: as it is). Return: 0, or ip's exit status. */
int netns_link_up(const char *ns, const char *ifname, unsigned mtu);
/* Address @cidr ("10.0.0.1/24") on @ifname in @ns. Return: 0, or ip's exit status. */
int netns_addr_add(const char *ns, const char *ifname, const char *cidr);
/*
 * An end host's interface: IPv6 off on @ifname in @ns, up with MTU @mtu (0: as
 * it is), address @cidr. Return: 0, or -1 (the failed command is reported).
 */
int netns_host(const char *ns, const char *ifname, const char *cidr, unsigned mtu);
/* IPv6 off on @ifname in @ns: no router solicitations or MLD reports. Return: 0 or -1. */
int netns_ipv6_off(const char *ns, const char *ifname);
/*
 * TX checksum offload off on @ifname in @ns (ethtool): its frames carry
 * their checksums, as a forwarder on AF_XDP must see them. Return: 0, or -1
 * (ethtool missing or refused).
 */
int netns_offloads_off(const char *ns, const char *ifname);
/* Whether ethtool is installed. */
bool netns_have_ethtool(void);
/* Wait up to @ms for @ifname to exist in @ns. Return: whether it does. */
bool netns_wait_link(const char *ns, const char *ifname, unsigned int ms);

/* A child (a tool run in a namespace) killed before the namespaces go, on every exit path. */
void netns_track_pid(pid_t pid);
void netns_untrack_pid(pid_t pid);
/* Everything now: tracked children killed, pairs deleted, namespaces removed. */
void netns_cleanup(void);

/* A socket of @type made inside namespace @ns (NULL: here). Return: it, or -errno. */
int netns_socket(const char *ns, int domain, int type, int proto);

/* A packet socket: where, what it receives, its buffers. */
struct netns_packet {
	const char *ns;		/* NULL: this namespace */
	const char *ifname;	/* bound to it (or to @ifindex when NULL) */
	int ifindex;
	uint16_t proto;		/* host order; 0: it receives nothing (sends only) */
	int rcvbuf, sndbuf;	/* 0: the default */
	bool force;		/* SO_RCVBUFFORCE / SO_SNDBUFFORCE (past rmem_max) */
	bool qdisc_bypass;	/* sends straight to the driver: the TX queue is the CPU's */
	bool nonblock;
};

/*
 * A packet socket bound to one interface of its namespace, protocol 0 until
 * bound (nothing of another interface slips in). Return: it, or -errno.
 */
int netns_packet_open(const struct netns_packet *p);

#endif /* NETPOOL_TEST_NETNS_H */
