# netpool - GNU make build.
#   make                    library, tools and tests in $(O) (default build/default)
#   make test               deps, then plain + ASan/UBSan + TSan builds, every test, one summary
#   make check              the tests of one build (O=, SAN=, DEBUG=, CC= as given)
#   make bench              deps (DPDK peer), release build, netpool-bench
#   make demo               the main job
#   make install            headers, libnetpool.{a,so}, netpool.pc, the tools, man pages, docs
#   make uninstall          what install put there
#   CC=clang  SAN=address,undefined  SAN=thread  DEBUG=0..3  O=build/asan  WITH_DPDK=1
#   Install paths: DESTDIR PREFIX LIBDIR BINDIR INCLUDEDIR MANDIR DOCDIR PKGCONFIGDIR.
#   The user's CPPFLAGS, CFLAGS and LDFLAGS come after the project's (a distribution's
#   hardening flags are kept).

CC      ?= cc
O       ?= build/default
DEBUG   ?= 0
SAN     ?=
OPT     ?= -O2
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
BINDIR  ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/netpool
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
WITH_DPDK ?= 0

# The version: netpool/version.h says it, everything else reads it there.
VERSION_PART = $(shell sed -n 's/^\#define NETPOOL_VERSION_$(1)[[:space:]]*\([0-9]*\).*/\1/p' \
	include/netpool/version.h)
VERSION_MAJOR := $(call VERSION_PART,MAJOR)
VERSION := $(VERSION_MAJOR).$(call VERSION_PART,MINOR).$(call VERSION_PART,PATCH)
ifeq ($(origin CC),default)
CC := cc
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) -Iinclude -DNP_DEBUG=$(DEBUG) \
	-fno-strict-aliasing -pthread
ifneq ($(SAN),)
CFLAGS_BASE += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=$(SAN)
endif
# the user's flags last, so theirs win; every link takes LDFLAGS_SAN (sanitizers and LDFLAGS)
CFLAGS_BASE += $(CPPFLAGS) $(CFLAGS)
LDFLAGS_SAN += $(LDFLAGS)
# each object depends on the headers it includes, as the compiler saw them
DEPFLAGS := -MMD -MP
# TLS descriptors: in the shared library the thread-locals of the data path (the
# skb cache, the napi context, the transmit batches) are reached without a call
# to __tls_get_addr (rx_recycle 246 -> 212 instructions a packet through the .so);
# an executable linking the archive gets them relaxed to direct accesses as
# before. Where the compiler knows the option (gcc on x86-64), not under a
# sanitizer (their runtimes track dynamic TLS through __tls_get_addr).
TLS_DIALECT := $(if $(SAN),,$(shell $(CC) -mtls-dialect=gnu2 -x c -c /dev/null -o /dev/null \
	2>/dev/null && echo -mtls-dialect=gnu2))
LIB_CFLAGS := $(CFLAGS_BASE) -fPIC -fvisibility=hidden -fno-semantic-interposition -DNETPOOL_BUILD \
	$(TLS_DIALECT)
LDLIBS  := -pthread -lm

LIB_SRCS  := $(wildcard src/*.c src/drivers/*.c)
# Test doubles and hooks go into libnetpool_test.a, which tests and fuzz targets link, never
# into the library: *_fake.c (what lies outside the process, played in memory) and *_inject.c
# (calls that reach into a live object: a misbehaving peer, a forced path).
LIB_TEST_SRCS := $(filter %_fake.c %_inject.c,$(LIB_SRCS))
LIB_SRCS  := $(filter-out $(LIB_TEST_SRCS),$(LIB_SRCS))
# The afxdp driver (afxdp.c, afxdp_*.c) needs libxdp; without it the stubs (afxdp_stub*.c)
# answer -EOPNOTSUPP. afxdp_names.c, the counters' names, needs nothing.
AFXDP_STUBS := $(wildcard src/drivers/afxdp_stub*.c)
AFXDP_SRCS := $(filter-out $(AFXDP_STUBS) src/drivers/afxdp_names.c, \
		$(wildcard src/drivers/afxdp*.c))
HAVE_LIBXDP := $(shell pkg-config --exists libxdp libbpf 2>/dev/null && echo 1)
ifeq ($(HAVE_LIBXDP),1)
XDP_CFLAGS := $(shell pkg-config --cflags libxdp libbpf)
XDP_LIBS   := $(shell pkg-config --libs libxdp libbpf)
LIB_SRCS   := $(filter-out $(AFXDP_STUBS),$(LIB_SRCS))
LIB_TEST_SRCS := $(filter-out $(AFXDP_STUBS),$(LIB_TEST_SRCS))
else
LIB_SRCS   := $(filter-out $(AFXDP_SRCS),$(LIB_SRCS))
LIB_TEST_SRCS := $(filter-out $(AFXDP_SRCS),$(LIB_TEST_SRCS))
ifneq ($(HAVE_LIBXDP),0)
$(warning netpool: libxdp/libbpf not found (Debian: apt-get install libxdp-dev libbpf-dev): \
	the AF_XDP driver is built as a stub that answers -EOPNOTSUPP)
endif
endif
LDLIBS  += $(XDP_LIBS)
LIB_OBJS  := $(LIB_SRCS:%.c=$(O)/%.o)
LIB_TEST_OBJS := $(LIB_TEST_SRCS:%.c=$(O)/%.o)
TEST_SRCS := $(wildcard tests/*.c)
TESTS     := $(TEST_SRCS:tests/%.c=$(O)/tests/%)
# C++ programs using the public headers (the C++ compiler that matches CC)
TEST_CXX_SRCS := $(wildcard tests/*.cpp)
TESTS     += $(TEST_CXX_SRCS:tests/%.cpp=$(O)/tests/%)
CXX_FOR_CC := $(if $(findstring clang,$(CC)),clang++,g++)
CXXFLAGS_BASE := -std=c++17 $(filter-out -std=c11 -Wstrict-prototypes -Wmissing-prototypes,$(CFLAGS_BASE))
# What the tests share (tests/lib/), compiled once per build and linked into each.
TESTLIB_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard tests/lib/*.c))
TESTLIB   := $(O)/tests/lib/libnptest.a
# bench/cost.c is a program of its own (scripts/cost.sh runs it under callgrind)
BENCH_SRCS := $(filter-out bench/peer_dpdk.c bench/cost.c,$(wildcard bench/*.c))
# bench_fwd_xdp builds its namespaces with the tests' helper (tests/lib/netns.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(O)/%.o) $(O)/tests/lib/netns.o
TOOLS     := $(O)/tools/netpool-bench $(O)/tools/netpool-fwd $(O)/tools/netpool-stat
EXAMPLES  := $(patsubst examples/%.c,$(O)/examples/%,$(wildcard examples/*.c))

# The DPDK peer is built with clang when there is one: DPDK's inline mempool
# path is markedly faster with it than with gcc 12, and the peer should be at
# its best.
ifeq ($(WITH_DPDK),1)
PEER_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LIBS   := $(shell pkg-config --libs libdpdk 2>/dev/null)
BENCH_OBJS  += $(O)/bench/peer_dpdk.o
BENCH_DEFS  := -DNP_WITH_DPDK=1
endif

.PHONY: all lib lib-test tests tools examples fuzz-targets check test bench demo install \
	uninstall clean deps soak fuzz print-ldlibs
all: lib tools tests examples

# Rebuild everything in $(O) when the flags change (DEBUG, SAN, CC, ...).
FLAGS_FILE := $(O)/.flags
FLAGS_NOW  := $(CC) $(LIB_CFLAGS) $(BENCH_DEFS) $(PEER_CC) xdp=$(HAVE_LIBXDP)
$(shell mkdir -p $(O); [ "$$(cat $(FLAGS_FILE) 2>/dev/null)" = "$(FLAGS_NOW)" ] || echo "$(FLAGS_NOW)" > $(FLAGS_FILE))

lib: $(O)/libnetpool.a $(O)/libnetpool.so
lib-test: $(O)/libnetpool_test.a
tests: $(TESTS)
tools: $(TOOLS) $(O)/bench/cost
examples: $(EXAMPLES)

# libFuzzer targets (scripts/fuzz.sh runs them): CC=clang and SAN with fuzzer-no-link, e.g.
#   make O=build/fuzz CC=clang DEBUG=1 SAN=fuzzer-no-link,address,undefined fuzz-targets
# A target that needs sources from outside the library names them in its header comment,
# on a line of its own: " * fuzz.sh-sources: tools/a.c tools/b.c".
FUZZ_TARGETS := $(patsubst fuzz/%.c,$(O)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
fuzz_extra = $(shell sed -n 's/^ \* fuzz\.sh-sources: //p' fuzz/$(1).c)
fuzz-targets: $(FUZZ_TARGETS)
.SECONDEXPANSION:
$(O)/fuzz/%: fuzz/%.c $$(call fuzz_extra,$$*) $(O)/libnetpool_test.a $(O)/libnetpool.a \
		$(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) -Isrc -fsanitize=fuzzer $< $(call fuzz_extra,$*) -o $@ \
		$(O)/libnetpool_test.a $(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

$(O)/src/%.o: src/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(AFXDP_SRCS:%.c=$(O)/%.o): LIB_CFLAGS += $(XDP_CFLAGS)

$(O)/libnetpool.a: $(LIB_OBJS) $(FLAGS_FILE)
	@rm -f $@
	ar rcs $@ $(LIB_OBJS)

# Exactly the symbols of netpool.map, each under its version node; every
# reference resolved at link time (not in sanitizer builds: their runtime
# comes with the program).
SO_LDFLAGS := -shared -Wl,-soname,libnetpool.so.$(VERSION_MAJOR) -Wl,--version-script=netpool.map \
	$(if $(SAN),,-Wl,-z,defs)
$(O)/libnetpool.so: $(LIB_OBJS) netpool.map $(FLAGS_FILE)
	$(CC) $(SO_LDFLAGS) $(LDFLAGS_SAN) -o $@ $(LIB_OBJS) $(LDLIBS)

$(O)/libnetpool_test.a: $(LIB_TEST_OBJS) $(FLAGS_FILE)
	@rm -f $@
	ar rcs $@ $(LIB_TEST_OBJS)

$(O)/tests/lib/%.o: tests/lib/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) -Isrc -Itests/lib -c $< -o $@

$(TESTLIB): $(TESTLIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/tests/%: tests/%.cpp $(O)/libnetpool.a $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX_FOR_CC) $(CXXFLAGS_BASE) $(DEPFLAGS) $< -o $@ $(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

$(O)/tests/%: tests/%.c $(TESTLIB) $(O)/libnetpool_test.a $(O)/libnetpool.a $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) -Isrc -Itests/lib $< -o $@ $(TESTLIB) $(O)/libnetpool_test.a \
		$(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

$(O)/examples/%: examples/%.c $(O)/libnetpool.a $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) $< -o $@ $(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

$(O)/bench/peer_dpdk.o: bench/peer_dpdk.c bench/bench.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(PEER_CC) $(CFLAGS_BASE) $(DPDK_CFLAGS) -march=native -Wno-error -c $< -o $@

$(O)/bench/%.o: bench/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) $(BENCH_DEFS) -Isrc -Itests/lib -c $< -o $@

$(O)/tools/netpool-bench: tools/netpool-bench.c $(BENCH_OBJS) $(O)/libnetpool.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) $(BENCH_DEFS) -Ibench $< $(BENCH_OBJS) -o $@ $(O)/libnetpool.a \
		$(LDFLAGS_SAN) $(DPDK_LIBS) $(LDLIBS)

$(O)/bench/cost: bench/cost.c $(O)/libnetpool.a $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) $< -o $@ $(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

$(O)/tools/netpool-fwd: tools/netpool-fwd.c tools/fwd_opts.h $(O)/tools/fwd_opts.o $(O)/libnetpool.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) $< $(O)/tools/fwd_opts.o -o $@ $(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

$(O)/tools/netpool-stat: tools/netpool-stat.c tools/stat_opts.h $(O)/tools/stat_opts.o $(O)/libnetpool.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) $< $(O)/tools/stat_opts.o -o $@ $(O)/libnetpool.a $(LDFLAGS_SAN) $(LDLIBS)

# The tools' option parsers (scripts/fuzz.sh builds them into fuzz_tool_cli too).
$(O)/tools/%_opts.o: tools/%_opts.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(DEPFLAGS) -c $< -o $@

# Tests that run a tool need it built.
$(O)/tests/test_fwd_tool: $(O)/tools/netpool-fwd
$(O)/tests/test_fault_fwd: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_tap: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_tap_offload: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_tap_xdp: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_afxdp: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_afxdp_jumbo: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_afxdp_restart: $(O)/tools/netpool-fwd
$(O)/tests/test_afxdp_export: $(O)/tools/netpool-stat
$(O)/tests/test_e2e_vxlan: $(O)/tools/netpool-fwd
$(O)/tests/test_e2e_badframes: $(O)/tools/netpool-fwd $(O)/tools/netpool-stat
$(O)/tests/test_stat_tool: $(O)/tools/netpool-stat $(O)/tools/netpool-fwd
$(O)/tests/test_pool_lifecycle: $(O)/tools/netpool-stat

# The tests of one build directory.
check: tests
	@tests/run.sh $(O)

# Every variant, one summary line. Installs what it needs first.
test:
	@scripts/deps.sh test
	@scripts/test-all.sh

bench:
	@scripts/deps.sh bench
	@scripts/bench.sh

demo:
	@scripts/deps.sh demo
	@scripts/demo.sh

soak:
	@scripts/soak.sh

fuzz:
	@scripts/deps.sh test
	@scripts/fuzz.sh

# What a program linking libnetpool.a needs after it (for scripts).
print-ldlibs:
	@echo $(LDFLAGS_SAN) $(LDLIBS)

# The pkg-config file for the paths of this install (made anew every time).
PC_REQUIRES := $(if $(filter 1,$(HAVE_LIBXDP)),libxdp libbpf)
define PC_SED
sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	-e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES_PRIVATE@|$(PC_REQUIRES)|'
endef
MAN_PAGES := $(wildcard man/*.[1-9])
DOCS      := README.md HACKING.md LICENSE $(wildcard docs/*.md) $(wildcard docs/*.svg)

install: lib tools
	install -d $(DESTDIR)$(INCLUDEDIR)/netpool $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 644 include/netpool.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/netpool/*.h $(DESTDIR)$(INCLUDEDIR)/netpool/
	install -m 644 $(O)/libnetpool.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(O)/libnetpool.so $(DESTDIR)$(LIBDIR)/libnetpool.so.$(VERSION)
	ln -sf libnetpool.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libnetpool.so.$(VERSION_MAJOR)
	ln -sf libnetpool.so.$(VERSION_MAJOR) $(DESTDIR)$(LIBDIR)/libnetpool.so
	$(PC_SED) netpool.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/netpool.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/netpool.pc
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/netpool.h
	rm -rf $(DESTDIR)$(INCLUDEDIR)/netpool
	rm -f $(DESTDIR)$(LIBDIR)/libnetpool.a $(DESTDIR)$(LIBDIR)/libnetpool.so \
		$(DESTDIR)$(LIBDIR)/libnetpool.so.$(VERSION_MAJOR) $(DESTDIR)$(LIBDIR)/libnetpool.so.$(VERSION)
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/netpool.pc
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS)))
	rm -rf $(DESTDIR)$(DOCDIR)
	for m in $(MAN_PAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build

# the header dependencies the compiler wrote (-MMD -MP)
-include $(shell find $(O) -name '*.d' 2>/dev/null)
