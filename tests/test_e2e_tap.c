/* SPDX-License-Identifier: MIT */
/*
 * End to end over TAP: a kernel UDP sender in namespace A -> TAP -> netpool-fwd
 * (in namespace F, every mode) -> TAP -> kernel receiver in namespace B.
 * netpool-fwd creates both TAP devices in F; the test moves one into A and
 * one into B while the forwarder keeps their descriptors. What each mode
 * must show is in e2e_run_modes() (e2e.h); in addition, the TAP devices go
 * with the forwarder when it exits.
 */
#include "e2e.h"

static void tap_started(struct e2e_topo *t)
{
	if (!e2e_taps_to_hosts(t->ns_f, t->fwd_in, t->ns_a, t->fwd_out, t->ns_b)) {
		if (!e2e_tool_alive())
			SKIP("netpool-fwd could not create TAP devices here");
		CHECK(0);
	}
	e2e_hosts_up(t);
}

int main(int argc, char **argv)
{
	struct e2e_topo t = { .driver = "tap", .started = tap_started };
	char tool[4096];
	int sub = (int)(getpid() % 200) + 20, rc;

	(void)argc;
	e2e_require();
	if (access("/dev/net/tun", R_OK | W_OK))
		SKIP("/dev/net/tun is not available");
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	t.ns_a = e2e_ns_new("ta");
	t.ns_b = e2e_ns_new("tb");
	t.ns_f = e2e_ns_new("tf");
	/* the forwarder's TAP devices become the hosts' interfaces */
	snprintf(t.fwd_in, sizeof(t.fwd_in), "npta%d", (int)getpid());
	snprintf(t.fwd_out, sizeof(t.fwd_out), "nptb%d", (int)getpid());
	memcpy(t.if_a, t.fwd_in, sizeof(t.if_a));
	memcpy(t.if_b, t.fwd_out, sizeof(t.if_b));
	snprintf(t.ip_a, sizeof(t.ip_a), "10.201.%d.1", sub);
	snprintf(t.ip_b, sizeof(t.ip_b), "10.201.%d.2", sub);
	rc = e2e_run_modes(&t, tool);
	if (!rc)
		CHECK(!netns_wait_link(t.ns_a, t.if_a, 50));	/* gone with the forwarder */
	return rc;
}
