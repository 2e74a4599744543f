/* SPDX-License-Identifier: MIT */
/*
 * afxdp: the XDP program that steers frames into the sockets, and how it is
 * attached.
 *
 * The built-in program (an XSKMAP redirect by RX queue index, XDP_PASS
 * where no socket is) is a handful of BPF instructions loaded from here, no
 * toolchain needed; it is loaded frags-aware (BPF_F_XDP_HAS_FRAGS), which
 * lets an interface whose MTU exceeds a page take it (veth refuses a
 * program that cannot see frags then). A user's program comes from an
 * object file (xdp_prog): its first XDP program and its first XSKMAP, sized
 * for the queues before it is loaded.
 *
 * Attach: through a BPF link (bpf_link_create(BPF_XDP)), so the kernel
 * detaches the program when the link's last descriptor closes, that is
 * when the process exits, however it exits: nothing stays behind a
 * kill -9. No bpffs is needed. A user's program goes through libxdp
 * when asked (xdp_multiprog, bpffs mounted): libxdp's dispatcher keeps
 * other programs on the interface beside it, but it is attached through
 * netlink and pinned, so it stays after a crash (where the kernel refuses
 * the dispatcher and libxdp falls back to a lone netlink attach, the
 * program is moved to a BPF link instead, with a warning). A program already on the interface is never
 * replaced; the refusal says which one it is, how it is held (a link of
 * some process, or netlink) and the command that removes it.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "afxdp_priv.h"

#define AFX_BPFFS	"/sys/fs/bpf"

/* The XSKMAP for the built-in program. */
static int afx_map_create(struct afxdp *ax)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "np_xsks", sizeof(int), sizeof(int), ax->nq,
				NULL);

	if (fd < 0) {
		np_err("afxdp %s: cannot create the XSKMAP: %s%s\n", ax->ifname, strerror(-fd),
		       fd == -EPERM ? " (needs CAP_BPF / CAP_NET_ADMIN)" : "");
		return fd == -EPERM || fd == -EACCES ? -EPERM : fd == -EINVAL ? -EOPNOTSUPP : fd;
	}
	ax->map_fd = fd;
	return 0;
}

/* The built-in program: redirect into the XSKMAP by RX queue, XDP_PASS where no socket is. */
static int afx_prog_builtin(struct afxdp *ax)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = ax->map_fd },
		{ .code = 0 },	/* second half of the 64-bit immediate */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP,
		    .prog_flags = BPF_F_XDP_HAS_FRAGS);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "np_xsk_redir", "Dual MIT/GPL", insns,
			   NP_ARRAY_SIZE(insns), &o);
	if (fd == -EINVAL) {
		/* a kernel without multi-buffer XDP: the program sees linear frames only */
		o.prog_flags = 0;
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "np_xsk_redir", "Dual MIT/GPL", insns,
				   NP_ARRAY_SIZE(insns), &o);
		if (fd >= 0)
			np_warn("afxdp %s: the kernel takes no frags-aware XDP program: an MTU "
				"above a page will be refused\n", ax->ifname);
	}
	if (fd < 0) {
		np_err("afxdp %s: the kernel refused the XDP program: %s\n", ax->ifname,
		       strerror(-fd));
		return fd == -EPERM || fd == -EACCES ? -EPERM : -EOPNOTSUPP;
	}
	ax->prog_fd = fd;
	return 0;
}

/* Whether bpffs is mounted where libxdp pins its dispatchers. */
static bool afx_bpffs_mounted(void)
{
	struct statfs sf;

	return !statfs(AFX_BPFFS, &sf) && (unsigned long)sf.f_type == (unsigned long)BPF_FS_MAGIC;
}

/* The first XDP program and the first XSKMAP of @obj (not loaded yet), the map sized for @ax. */
static int afx_obj_pick(struct afxdp *ax, struct bpf_object *obj, struct bpf_program **progp,
			struct bpf_map **mapp)
{
	struct bpf_program *prog, *xdp = NULL;
	struct bpf_map *map, *xsks = NULL;

	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP) {
			xdp = prog;
			break;
		}
	}
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_XSKMAP) {
			xsks = map;
			break;
		}
	}
	if (!xdp || !xsks) {
		np_err("afxdp %s: %s has no %s\n", ax->ifname, ax->xdp_prog,
		       !xdp ? "XDP program" : "XSKMAP (BPF_MAP_TYPE_XSKMAP) for the sockets");
		return -ENOEXEC;
	}
	if (bpf_map__max_entries(xsks) < ax->nq && bpf_map__set_max_entries(xsks, ax->nq)) {
		np_err("afxdp %s: the XSKMAP of %s holds %u sockets, %u queues need one each\n",
		       ax->ifname, ax->xdp_prog, bpf_map__max_entries(xsks), ax->nq);
		return -ENOEXEC;
	}
	if (progp)
		*progp = xdp;
	*mapp = xsks;
	return 0;
}

/* The user's object through libbpf: loaded, its program and map descriptors taken. */
static int afx_prog_file(struct afxdp *ax)
{
	struct bpf_object *obj = bpf_object__open_file(ax->xdp_prog, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = (int)libbpf_get_error(obj);

	if (err) {
		np_err("afxdp %s: cannot open the XDP object %s: %s\n", ax->ifname, ax->xdp_prog,
		       strerror(-err));
		return err == -ENOENT ? -ENOENT : -ENOEXEC;
	}
	ax->xdp_obj = obj;
	err = afx_obj_pick(ax, obj, &prog, &map);
	if (err)
		return err;
	err = bpf_object__load(obj);
	if (err) {
		np_err("afxdp %s: the kernel refused the program of %s: %s\n", ax->ifname,
		       ax->xdp_prog, strerror(-err));
		return err == -EPERM || err == -EACCES ? -EPERM : -ENOEXEC;
	}
	ax->prog_fd = bpf_program__fd(prog);
	ax->map_fd = bpf_map__fd(map);
	return 0;
}

/* "xdpgeneric", "xdpdrv", "xdpoffload": what ip calls the mode of @attach_mode. */
static const char *afx_ip_mode(unsigned int attach_mode)
{
	return attach_mode == XDP_ATTACHED_SKB ? "xdpgeneric" :
	       attach_mode == XDP_ATTACHED_HW ? "xdpoffload" :
	       attach_mode == XDP_ATTACHED_DRV ? "xdpdrv" : "xdp";
}

/* The process holding BPF link @link_id open (its /proc fdinfo says so); 0: none found. */
static pid_t afx_link_holder(uint32_t link_id, char *comm, size_t len)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	char want[48];
	pid_t found = 0;

	if (!proc)
		return 0;
	snprintf(want, sizeof(want), "link_id:\t%u\n", link_id);
	while (!found && (pe = readdir(proc))) {
		char path[600], line[128];
		struct dirent *fe;
		DIR *fds;

		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", pe->d_name);
		fds = opendir(path);
		while (fds && !found && (fe = readdir(fds))) {
			FILE *f;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pe->d_name, fe->d_name);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f))
				if (!strcmp(line, want)) {
					found = (pid_t)atoi(pe->d_name);
					break;
				}
			if (f)
				fclose(f);
		}
		if (fds)
			closedir(fds);
	}
	closedir(proc);
	comm[0] = '\0';
	if (found) {
		char path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)found);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, (int)len, f))
				comm[0] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return found;
}

/*
 * The BPF link that holds XDP program @prog_id on @ifindex, 0: none (netlink
 * holds it). Links are listed system-wide and an ifindex is only unique in
 * its namespace: the program decides.
 */
static uint32_t afx_xdp_link_of(int ifindex, uint32_t prog_id)
{
	uint32_t id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		    (int)info.xdp.ifindex == ifindex && info.prog_id == prog_id) {
			close(fd);
			return id;
		}
		close(fd);
	}
	return 0;
}

/* Attaching failed with @err: say why, naming what is on the interface and how it goes. */
static void afx_prog_explain(struct afxdp *ax, int err)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, qo);
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), id, link_id;
	char name[sizeof(info.name) + 1] = "?", comm[32];
	int fd;

	if (bpf_xdp_query(ax->ifindex, 0, &qo) || !(id = qo.prog_id ? qo.prog_id :
						     qo.skb_prog_id ? qo.skb_prog_id :
						     qo.drv_prog_id)) {
		if (err == -ERANGE)
			np_err("afxdp %s: the kernel refused the XDP program: the MTU of %s or "
			       "of its peer exceeds a page and the program is not frags-aware\n",
			       ax->ifname, ax->ifname);
		else if (err == -EOPNOTSUPP && !ax->skb_mode)
			np_err("afxdp %s: no native XDP on this interface (try skb_mode)\n",
			       ax->ifname);
		else
			np_err("afxdp %s: cannot attach the XDP program (%s mode): %s\n", ax->ifname,
			       ax->skb_mode ? "skb" : "native", strerror(-err));
		return;
	}
	memset(&info, 0, sizeof(info));
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			snprintf(name, sizeof(name), "%s", info.name[0] ? info.name : "(unnamed)");
		close(fd);
	}
	link_id = afx_xdp_link_of(ax->ifindex, id);
	if (link_id) {
		pid_t pid = afx_link_holder(link_id, comm, sizeof(comm));

		if (pid)
			np_err("afxdp %s: the interface already has an XDP program: '%s' (id %u), "
			       "held by BPF link %u of process %d (%s); it goes when that process "
			       "exits (kill %d)\n", ax->ifname, name, id, link_id, (int)pid, comm,
			       (int)pid);
		else
			np_err("afxdp %s: the interface already has an XDP program: '%s' (id %u), "
			       "held by BPF link %u (pinned in bpffs, or a process of another "
			       "namespace); remove its pin, or see 'bpftool link show id %u'\n",
			       ax->ifname, name, id, link_id, link_id);
		return;
	}
	np_err("afxdp %s: the interface already has an XDP program: '%s' (id %u), attached "
	       "through netlink, which outlives the process that attached it; remove it with "
	       "'ip link set dev %s %s off'%s\n", ax->ifname, name, id, ax->ifname,
	       afx_ip_mode(qo.attach_mode),
	       qo.attach_mode == XDP_ATTACHED_MULTI ? " (both modes)" :
	       !strcmp(name, "xdp_dispatcher") ? " (libxdp's dispatcher: or 'xdp-loader "
						 "unload IF --all')" : "");
}

/* The attach error as np_netdev_open() returns it. */
static int afx_attach_err(int err)
{
	return err == -EEXIST || err == -EBUSY ? -EBUSY : err == -EACCES ? -EPERM :
	       err == -ERANGE ? -EOPNOTSUPP : err;
}

/* Whether libxdp attached our program alone (legacy), not behind its dispatcher. */
static bool afx_libxdp_legacy(struct afxdp *ax)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ax->ifindex);
	bool legacy = true;

	if (!libxdp_get_error(mp) && mp) {
		legacy = xdp_multiprog__is_legacy(mp);
		xdp_multiprog__close(mp);
	}
	return legacy;
}

/* Attach ax->prog_fd through a BPF link. Return: 0 or -errno (explained). */
static int afx_link_attach(struct afxdp *ax)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int err;

	lo.flags = ax->skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	ax->link_fd = bpf_link_create(ax->prog_fd, ax->ifindex, BPF_XDP, &lo);
	if (ax->link_fd >= 0)
		return 0;
	err = ax->link_fd;
	ax->link_fd = -1;
	afx_prog_explain(ax, err);
	return afx_attach_err(err);
}

/* The user's program through libxdp: its dispatcher, beside other programs. */
static int afx_prog_libxdp(struct afxdp *ax)
{
	struct xdp_program *xp = xdp_program__open_file(ax->xdp_prog, NULL, NULL);
	int err = (int)libxdp_get_error(xp);
	struct bpf_map *map;

	if (err) {
		np_err("afxdp %s: libxdp cannot open %s: %s\n", ax->ifname, ax->xdp_prog,
		       strerror(-err));
		return err == -ENOENT ? -ENOENT : -ENOEXEC;
	}
	ax->xdp_obj = xp;
	ax->xdp_libxdp = true;
	err = afx_obj_pick(ax, xdp_program__bpf_obj(xp), NULL, &map);
	if (err)
		return err;
	err = xdp_program__attach(xp, ax->ifindex, ax->skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE,
				  0);
	if (err) {
		afx_prog_explain(ax, err);
		return afx_attach_err(err);
	}
	ax->prog_fd = xdp_program__fd(xp);
	ax->map_fd = bpf_map__fd(map);
	ax->xdp_flags = 1;	/* attached: detach at down */
	if (!afx_libxdp_legacy(ax)) {
		np_info("afxdp %s: %s attached through libxdp's dispatcher (bpffs at " AFX_BPFFS
			"); after a crash 'xdp-loader unload %s --all' removes it\n", ax->ifname,
			ax->xdp_prog, ax->ifname);
		return 0;
	}
	/*
	 * libxdp fell back to attaching it alone through netlink (the kernel
	 * refused its dispatcher), which would outlive a crash: a BPF link instead
	 */
	xdp_program__detach(xp, ax->ifindex, ax->skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	ax->xdp_flags = 0;
	np_warn("afxdp %s: libxdp's dispatcher is not available here: %s attached alone, "
		"through a BPF link\n", ax->ifname, ax->xdp_prog);
	return afx_link_attach(ax);
}

/* ---- libbpf's and libxdp's own messages ---- */

/* One message of theirs, formatted whole, through the print callback at @level. */
static int afx_vlog(enum np_log_level level, const char *fmt, va_list ap)
{
	va_list again;
	char *buf;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0 || !(buf = malloc((size_t)n + 1)))
		return 0;
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	np_log(level, "%s", buf);
	free(buf);
	return n;
}

static int afx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return afx_vlog(level == LIBBPF_WARN ? NP_LOG_WARN :
			level == LIBBPF_INFO ? NP_LOG_INFO : NP_LOG_DEBUG, fmt, ap);
}

static int afx_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return afx_vlog(level == LIBXDP_WARN ? NP_LOG_WARN :
			level == LIBXDP_INFO ? NP_LOG_INFO : NP_LOG_DEBUG, fmt, ap);
}

static void afx_print_route_once(void)
{
	libbpf_set_print(afx_libbpf_print);
	libxdp_set_print(afx_libxdp_print);
}

void afx_print_route(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, afx_print_route_once);
}

int afx_prog_up(struct afxdp *ax)
{
	int err;

	if (ax->xdp_prog && access(ax->xdp_prog, R_OK)) {
		np_err("afxdp %s: cannot read the XDP object %s: %s\n", ax->ifname, ax->xdp_prog,
		       strerror(errno));
		return -ENOENT;
	}
	if (ax->xdp_multiprog && !afx_bpffs_mounted()) {
		np_err("afxdp %s: libxdp's dispatcher needs bpffs at " AFX_BPFFS
		       " (mount -t bpf bpf " AFX_BPFFS ")\n", ax->ifname);
		return -EOPNOTSUPP;
	}
	if (ax->xdp_multiprog) {
		err = afx_prog_libxdp(ax);
		if (err)
			afx_prog_release(ax);
		return err;
	}
	err = ax->xdp_prog ? afx_prog_file(ax) : afx_map_create(ax);
	if (!err && !ax->xdp_prog)
		err = afx_prog_builtin(ax);
	if (!err)
		err = afx_link_attach(ax);
	if (err)
		afx_prog_release(ax);
	return err;
}

void afx_prog_detach(struct afxdp *ax)
{
	if (ax->link_fd >= 0) {
		/* the link's only descriptor: the kernel detaches the program with it */
		close(ax->link_fd);
		ax->link_fd = -1;
	}
	if (ax->xdp_libxdp && ax->xdp_flags) {
		xdp_program__detach(ax->xdp_obj, ax->ifindex,
				    ax->skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
		ax->xdp_flags = 0;
	}
}

void afx_prog_release(struct afxdp *ax)
{
	afx_prog_detach(ax);
	if (ax->xdp_libxdp) {
		xdp_program__close(ax->xdp_obj);	/* its program and maps too */
	} else if (ax->xdp_obj) {
		bpf_object__close(ax->xdp_obj);
	} else {
		if (ax->prog_fd >= 0)
			close(ax->prog_fd);
		if (ax->map_fd >= 0)
			close(ax->map_fd);
	}
	ax->xdp_obj = NULL;
	ax->xdp_libxdp = false;
	ax->prog_fd = ax->map_fd = -1;
}
