/* SPDX-License-Identifier: MIT */
/*
 * afxdp: what the interface tells about the frames that will arrive.
 *
 * AF_XDP hands over frames as bytes: the kernel's "checksum still to be
 * filled in" state (CHECKSUM_PARTIAL) is not carried. A veth whose peer has
 * TX checksum offload on passes the peer host's TCP and UDP frames on with
 * their checksums left partial, and whoever receives them after a forwarder
 * drops them: TCP never connects. So at open, for a veth, the peer is found
 * (its ifindex from veth's ethtool statistics; in this namespace, or in one
 * of the named ones under /run/netns, looked at from a thread of its own)
 * and its TX checksum offload read; for another virtual device (no bus) its
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

struct afx_peer_search {
	int peer, self;
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
		if (!fstat(nsfd, &st) && st.st_ino == ps->here) {
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
	struct afx_peer_search ps = { .self = ax->ifindex, .csum = -ENOENT };
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
	else if (ps.peer && !stat("/proc/thread-self/ns/net", &here) &&
		 (ps.here = here.st_ino, !pthread_create(&t, NULL, afx_peer_search_thread, &ps)))
		pthread_join(t, NULL);
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
