/* SPDX-License-Identifier: MIT */
/*
 * The forwarder under injected faults: netpool-fwd on vnic, every mode, with
 * and without recycling, with page allocations, DMA maps, ring produces and
 * descriptor posts failing at random (NETPOOL_FAULT). The datapath must keep
 * running (every generated frame received), every injected failure must be
 * counted under its name, and the run must end with every buffer back
 * (exit 0: every pool freed).
 */
#include "e2e.h"

int main(int argc, char **argv)
{
	static char out[1 << 20];
	static const char *const modes[] = { "drop", "fwd", "sockq", "encap", "capture" };
	static const char *const points[] = { "page_alloc", "dma_map", "ring_produce", "desc_post" };
	char tool[4096], args[1024], pcap[] = "/tmp/netpool-faultXXXXXX";
#ifdef T_SANITIZED
	const unsigned long long count = 3000;
#else
	const unsigned long long count = 30000;
#endif
	int fd;

	(void)argc;
	t_tool_path(argv[0], "netpool-fwd", tool, sizeof(tool));
	fd = mkstemp(pcap);
	CHECK(fd >= 0);
	close(fd);
	for (unsigned int m = 0; m < NP_ARRAY_SIZE(modes); m++) {
		for (int nr = 0; nr < 2; nr++) {
			bool sends = strcmp(modes[m], "drop") && strcmp(modes[m], "sockq");
			bool capture = !strcmp(modes[m], "capture");
			const char *line;
			int rc;

			snprintf(args, sizeof(args),
				 "--driver vnic --in fa --mode %s %s --iommu --count %llu --len 60-4000 "
				 "--json %s %s %s %s",
				 modes[m], sends ? "--out fb" : "", count, nr ? "--no-recycle" : "",
				 capture ? "--pcap" : "", capture ? pcap : "",
				 strcmp(modes[m], "encap") ? "" : E2E_VXLAN_ARGS);
			setenv("NETPOOL_FAULT",
			       "page_alloc=ppm:3000,dma_map=ppm:3000,ring_produce=ppm:20000,"
			       "desc_post=ppm:20000",
			       1);
			rc = t_run_tool(tool, args, out, sizeof(out));
			unsetenv("NETPOOL_FAULT");
			line = strstr(out, "{\"type\": \"total\"");
			if (rc != 0 || !line) {
				fprintf(stderr, "netpool-fwd %s: exit %d\n%s\n", args, rc, out);
				return 1;
			}
			/* the datapath kept going: every frame the source made was received */
			CHECK_EQ(t_json_u64(line, "rx_packets"), count);
			/* each point failed some calls, and each failure is counted by name */
			for (unsigned int p = 0; p < NP_ARRAY_SIZE(points); p++) {
				char key[32];

				snprintf(key, sizeof(key), "fault_%s", points[p]);
				if (!strcmp(points[p], "ring_produce") && nr)
					continue;	/* without recycling nothing enters the ring */
				if (!strstr(line, key)) {
					fprintf(stderr, "%s: no %s counted:\n%s\n", args, key, line);
					return 1;
				}
				CHECK(t_json_u64(line, key) > 0);
			}
			printf("%-8s %-12s ok: %s\n", modes[m], nr ? "no-recycle" : "recycle",
			       strstr(line, "\"fault_"));
		}
	}
	unlink(pcap);
	return 0;
}
