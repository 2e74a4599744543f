/* SPDX-License-Identifier: MIT */
/*
 * afxdp: what the interface tells about the frames that will arrive.
 *
 * AF_XDP hands over frames as bytes: the kernel's "checksum still to be
 * filled in" state (CHECKSUM_PARTIAL) is not carried. A veth whose peer has
 * TX checksum offload on passes the peer host's TCP and UDP frames on with
 * their checksums left partial, and whoever receives them after a forwarder
 * drops them: TCP never connects. So at open, for a veth, the peer is found
 * (its ifindex from veth's ethtool statistics; in this namespace, or in the
 * one of the named ones under /run/netns whose id here is the link's
 * IFLA_LINK_NETNSID — indexes repeat across namespaces, so an index alone
 * may name another pair's veth — looked at from a thread of its own) and
 * its TX checksum offload read; for another virtual device (no bus) its
 * own. When it is on, or cannot be known, one warning says so with the
 * command that turns it off.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "afxdp_priv.h"

#define AFX_NETNS_DIR	"/run/netns"

static int afx_ethtool(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* The driver's name and bus of @ifname. Return: 0 or -errno. */
static int afx_drvinfo(int fd, const char *ifname, struct ethtool_drvinfo *di)
{
	memset(di, 0, sizeof(*di));
	di->cmd = ETHTOOL_GDRVINFO;
	return afx_ethtool(fd, ifname, di);
}

/* A veth's peer ifindex (its ethtool statistic "peer_ifindex"). Return: it, or 0. */
static int afx_veth_peer(int fd, const char *ifname)
{
	struct ethtool_drvinfo di;
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *vals = NULL;
	int peer = 0;

	if (afx_drvinfo(fd, ifname, &di) || strcmp(di.driver, "veth") || !di.n_stats ||
	    di.n_stats > 4096)
		return 0;
	names = calloc(1, sizeof(*names) + (size_t)di.n_stats * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + (size_t)di.n_stats * sizeof(uint64_t));
	if (!names || !vals)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = di.n_stats;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = di.n_stats;
	if (afx_ethtool(fd, ifname, names) || afx_ethtool(fd, ifname, vals))
		goto out;
	for (uint32_t i = 0; i < di.n_stats && i < names->len; i++)
		if (!strncmp((const char *)names->data + (size_t)i * ETH_GSTRING_LEN,
			     "peer_ifindex", ETH_GSTRING_LEN)) {
			peer = (int)vals->data[i];
			break;
		}
out:
	free(names);
	free(vals);
	return peer;
}

/* Whether @ifname has TX checksum offload on: 1, 0, or -errno. */
static int afx_tx_csum(int fd, const char *ifname)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GTXCSUM };
	int err = afx_ethtool(fd, ifname, &v);

	return err ? err : v.data != 0;
}

/* Through @fd's namespace: is ifindex @peer a veth whose peer is @self? Its name into @name. */
static bool afx_is_peer(int fd, int peer, int self, char name[IF_NAMESIZE])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = peer;
	if (ioctl(fd, SIOCGIFNAME, &ifr))
		return false;
	snprintf(name, IF_NAMESIZE, "%s", ifr.ifr_name);
	return afx_veth_peer(fd, name) == self;
}

/* ---- namespace ids (rtnetlink) ---- */

/* One request on the route socket @nl and its reply into @buf. Return: the reply's length, or -errno. */
static int afx_nl_ask(int nl, void *req, size_t len, void *buf, size_t size)
{
	struct nlmsghdr *nh = req;
	ssize_t n;

	nh->nlmsg_len = (uint32_t)len;
	nh->nlmsg_flags = NLM_F_REQUEST;
	nh->nlmsg_seq = 1;
	if (send(nl, req, len, 0) != (ssize_t)len)
		return -errno;
	n = recv(nl, buf, size, 0);
	if (n < 0)
		return -errno;
	nh = buf;
	if (!NLMSG_OK(nh, (uint32_t)n) || nh->nlmsg_type == NLMSG_ERROR)
		return -EPROTO;
	return (int)n;
}

/* The 32-bit attribute @type of the reply @nh whose fixed header is @hdr bytes, or @none. */
static int32_t afx_nl_s32(const struct nlmsghdr *nh, size_t hdr, unsigned short type, int32_t none)
{
	const struct rtattr *a = (const void *)((const char *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdr));
	int left = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(hdr));
	int32_t v;

	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == type && RTA_PAYLOAD(a) >= sizeof(v)) {
			memcpy(&v, RTA_DATA(a), sizeof(v));
			return v;
		}
	return none;
}

/* The id, in this namespace, of the namespace where @ifindex's peer is; -1: none (here, or unknown). */
static int32_t afx_link_netnsid(int nl, int ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = { .nh.nlmsg_type = RTM_GETLINK, .ifi.ifi_index = ifindex };
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	if (afx_nl_ask(nl, &req, sizeof(req), buf, sizeof(buf)) < 0 ||
	    ((struct nlmsghdr *)buf)->nlmsg_type != RTM_NEWLINK)
		return -1;
	return afx_nl_s32((struct nlmsghdr *)buf, sizeof(struct ifinfomsg), IFLA_LINK_NETNSID, -1);
}

/* The id, in this namespace, of the namespace @nsfd opens; -1: none assigned. */
static int32_t afx_fd_netnsid(int nl, int nsfd)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
		char pad[3];
		struct rtattr a;
		uint32_t fd;
	} req = {
		.nh.nlmsg_type = RTM_GETNSID,
		.g.rtgen_family = AF_UNSPEC,
		.a = { .rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = NETNSA_FD },
		.fd = (uint32_t)nsfd,
	};
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));

	_Static_assert(offsetof(__typeof__(req), a) == NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtgenmsg)),
		       "the attribute follows the aligned rtgenmsg");
	if (afx_nl_ask(nl, &req, sizeof(req), buf, sizeof(buf)) < 0 ||
	    ((struct nlmsghdr *)buf)->nlmsg_type != RTM_NEWNSID)
		return -1;
	return afx_nl_s32((struct nlmsghdr *)buf, sizeof(struct rtgenmsg), NETNSA_NSID, -1);
}

struct afx_peer_search {
	int peer, self;
	int nl;			/* a route socket of our namespace, -1: none */
	int32_t nsid;		/* the peer's namespace as our namespace names it, -1: unknown */
	ino_t here;		/* our own namespace: both ends may share an index, skip it */
	char name[IF_NAMESIZE];
	char ns[256];
	int csum;		/* 1, 0, or -errno: not found */
};

/* In a thread of its own (setns changes only the calling thread): each named namespace. */
static void *afx_peer_search_thread(void *arg)
{
	struct afx_peer_search *ps = arg;
	DIR *d = opendir(AFX_NETNS_DIR);
	struct dirent *e;

	ps->csum = -ENOENT;
	while (d && (e = readdir(d))) {
		char path[300];
		struct stat st;
		int nsfd, fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), AFX_NETNS_DIR "/%s", e->d_name);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			continue;
		if ((!fstat(nsfd, &st) && st.st_ino == ps->here) ||
		    (ps->nsid >= 0 && afx_fd_netnsid(ps->nl, nsfd) != ps->nsid)) {
			close(nsfd);
			continue;
		}
		if (setns(nsfd, CLONE_NEWNET)) {
			close(nsfd);
			break;
		}
		close(nsfd);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && afx_is_peer(fd, ps->peer, ps->self, ps->name)) {
			snprintf(ps->ns, sizeof(ps->ns), "%s", e->d_name);
			ps->csum = afx_tx_csum(fd, ps->name);
			close(fd);
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	return NULL;
}

void afx_probe_csum(const struct afxdp *ax)
{
	struct afx_peer_search ps = { .self = ax->ifindex, .nl = -1, .nsid = -1, .csum = -ENOENT };
	struct ethtool_drvinfo di;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct stat here;
	pthread_t t;

	if (fd < 0)
		return;
	if (afx_drvinfo(fd, ax->ifname, &di)) {
		close(fd);
		return;
	}
	if (strcmp(di.driver, "veth")) {
		/* another virtual device (no bus): frames from this host may leave checksums partial */
		if (!di.bus_info[0] && afx_tx_csum(fd, ax->ifname) == 1)
			np_warn("afxdp %s: a virtual device (%s) with TX checksum offload on: frames "
				"sent through it on this host may reach AF_XDP with partial "
				"checksums, which a receiver drops; turn it off with 'ethtool -K %s "
				"tx off'\n", ax->ifname, di.driver, ax->ifname);
		close(fd);
		return;
	}
	ps.peer = afx_veth_peer(fd, ax->ifname);
	/* both ends may have the same index, each in its own namespace: then it is not here */
	if (ps.peer && ps.peer != ps.self && afx_is_peer(fd, ps.peer, ps.self, ps.name))
		ps.csum = afx_tx_csum(fd, ps.name);
	else if (ps.peer && !stat("/proc/thread-self/ns/net", &here)) {
		ps.here = here.st_ino;
		/* opened here: a socket keeps the namespace it was made in */
		ps.nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (ps.nl >= 0)
			ps.nsid = afx_link_netnsid(ps.nl, ps.self);
		if (!np_thread_create(&t, NULL, "np-probe", afx_peer_search_thread, &ps))
			pthread_join(t, NULL);
		if (ps.nl >= 0)
			close(ps.nl);
	}
	close(fd);
	if (ps.csum == 0)
		return;
	if (ps.csum == 1) {
		char where[300] = "";

		if (ps.ns[0])
			snprintf(where, sizeof(where), "ip netns exec %s ", ps.ns);
		np_warn("afxdp %s: its veth peer %s%s%s has TX checksum offload on: TCP and UDP "
			"frames it sends reach AF_XDP with partial checksums, which a receiver "
			"after a forwarder drops; turn it off with '%sethtool -K %s tx off'\n",
			ax->ifname, ps.name, ps.ns[0] ? " in namespace " : "", ps.ns, where,
			ps.name);
	}
	else
		np_warn("afxdp %s: its veth peer (ifindex %d%s) could not be looked at: if it has "
			"TX checksum offload on, TCP and UDP frames reach AF_XDP with partial "
			"checksums, which a receiver drops; turn it off where the peer is with "
			"'ethtool -K PEER tx off'\n", ax->ifname, ps.peer,
			ps.peer ? ", in a namespace not named under " AFX_NETNS_DIR : "");
}
