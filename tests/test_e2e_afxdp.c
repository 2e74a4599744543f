/* SPDX-License-Identifier: MIT */
/*
 * End to end over AF_XDP: a kernel UDP sender in namespace A -> veth ->
 * netpool-fwd (AF_XDP on the veth ends in namespace F, copy mode, every
 * mode) -> veth -> kernel receiver in namespace B. What each mode must show
 * is in e2e_run_modes() (e2e.h). The hosts' veths compute their own
 * checksums (tx offload off): the forwarder sees frames as they are.
 * Skips (77) only when the kernel refuses AF_XDP.
 */
#include "e2e.h"

int main(int argc, char **argv)
{
	struct e2e_topo t = { .driver = "afxdp" };
	char tool[4096], log[128];
	int pid = (int)getpid();

	(void)argc;
	e2e_require();
	if (!netns_have_ethtool())
		SKIP("ethtool is not installed (needed to turn veth checksum offload off)");
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	e2e_topo_names(&t, 'x', 202);
	/* room for the 50-byte outer header of encap on the way to B */
	e2e_veths(&t, 0, 1600);
	CHECK_EQ(netns_offloads_off(t.ns_a, t.if_a), 0);
	CHECK_EQ(netns_offloads_off(t.ns_b, t.if_b), 0);
	e2e_hosts_config(&t, 0, 1600, true);

	/* does this kernel take AF_XDP at all? */
	snprintf(log, sizeof(log), "/tmp/netpool-e2e-probe-%d.log", pid);
	{
		char args[256];

		snprintf(args, sizeof(args), "--driver afxdp --in %s --mode drop --duration 0.3",
			 t.fwd_in);
		e2e_tool_start(t.ns_f, tool, args, log);
		while (e2e_tool_alive())
			t_sleep_ms(20);
		if (e2e_sh_rc("grep -q 'cannot open afxdp' %s", log) == 0) {
			char why[512] = "";
			FILE *f = fopen(log, "r");

			if (f) {
				if (!fgets(why, sizeof(why), f))
					why[0] = '\0';
				fclose(f);
			}
			unlink(log);
			SKIP("the kernel refuses AF_XDP here: %s", why);
		}
		unlink(log);
	}
	return e2e_run_modes(&t, tool);
}
