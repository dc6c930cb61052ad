# SPDX-License-Identifier: ISC
# cmapp: cmappmgr (VM host) and cmappserver (VM guest).
# make            build the binaries into build/
# make deps       install the missing Debian packages to build (as root);
#                 make deps-test: also those of the tests
# make demo       install missing packages, build, run a localhost demo
# make test       every suite: unit (Criterion), end to end, fuzzing, then
#                 both again under ASan+UBSan and valgrind (tests/all.sh)
# make check      unit and end-to-end tests only
# make check-asan the same suites built by clang with -fsanitize=address,undefined
# make check-warnings  everything built by gcc and clang with -Werror
# make sanitize-list   which end-to-end tests make test runs sanitized
# make deb, make rpm   the packages cmapp-host and cmapp-guest (conf/pkg.mk)

# The first rule is make's default goal: a plain "make" builds the
# programs.  Its prerequisites come below, once every fragment added its own.
all:

CC	?= cc
BUILD	?= build
# The builds that make test, check and demo start run this many jobs.
NPROC	?= $(shell nproc 2>/dev/null || echo 2)
# -Os: nothing here is CPU-bound (TLS is libcrypto's), and a guest daemon
# should be small; unused functions are dropped at link.  Unwind tables
# stay (8 KiB in cmappserver) for backtraces of a crash.
OPT	?= -Os -g
SAN	?=
PKGS	 = openssl libuv inih
# The tree builds clean under these with gcc and clang (make check-warnings).
WARN	 = -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wwrite-strings
# Recursively expanded on purpose: pkg-config runs after the deps step.
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(SAN) $(WARN) \
	-ffunction-sections -fdata-sections \
	$(INC) $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
# Each part sees common/ and its own directory only, so that a reach into
# another part's headers (appmgr/ into plugins/) fails to build.
INC	 = -Icommon
$(BUILD)/appmgr/%.o: INC = -Icommon -Iappmgr
$(BUILD)/appserver/%.o: INC = -Icommon -Iappserver
$(BUILD)/plugins/%.o: INC = -Icommon -Iplugins
$(BUILD)/tests/%.o: INC = -Icommon -Itests
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS)) $(LDLIBS)
LDFLAGS_ALL = -Wl,--gc-sections -Wl,-O1 $(LDFLAGS)

COMMON	= common/log.c common/slog.c common/proto.c common/conf.c common/keystore.c \
	  common/tls.c common/conn.c common/svc.c common/jks.c \
	  common/readfile.c common/vis.c common/reader.c common/clock.c \
	  common/certcheck.c common/logpath.c
SERVER	= appserver/main.c appserver/server.c appserver/supervise.c \
	  appserver/svcfsm.c appserver/shimlink.c appserver/stopall.c \
	  appserver/reload.c appserver/leftover.c
SHIM	= appserver/shim.c appserver/shimfsm.c appserver/leftover.c common/proto.c common/vis.c common/reader.c common/clock.c \
	  common/slog.c
MANAGER	= appmgr/main.c appmgr/manager.c appmgr/dial.c appmgr/hostlog.c \
	  appmgr/outfile.c appmgr/verbs.c common/hostlog_arg.c common/svcsplit.c
UNIT	= tests/test_slog.c tests/test_proto.c tests/test_svc.c tests/test_conf.c tests/test_hostlog.c \
	  tests/test_keystore.c tests/test_jks.c tests/test_vis.c tests/test_tls.c tests/test_reader.c \
	  tests/test_svcfsm.c tests/test_shimfsm.c tests/test_certcheck.c \
	  tests/test_svcsplit.c tests/test_outfile.c tests/test_logpath.c tests/test_leftover.c \
	  tests/test_shim.c

obj	= $(patsubst %.c,$(BUILD)/%.o,$(1))

# Each part of the product adds its programs to ALL, the programs only the
# tests run to TOOLS, its Criterion tests to UNIT and its make targets in its
# own fragment, so that the parts can grow without editing one another's
# rules.
ALL	= $(BUILD)/cmappserver $(BUILD)/cmapp-shim $(BUILD)/cmappmgr
TOOLS	= $(BUILD)/tests/tools/soak $(BUILD)/tests/tools/rawframe \
	  $(BUILD)/tests/tools/oldserver
include plugins/plugins.mk conf/install.mk conf/pkg.mk bench/bench.mk tests/fuzz.mk

all: $(ALL)

# The test tools: the end-to-end tests' helpers (tests/tools/) and probes.
tools: $(TOOLS)

# The Debian packages, installed where missing (as root; a user is told
# the apt-get line).  Compiling never installs anything: the targets that
# set a fresh machine up (demo, test, check..., bench) depend on these, and
# build in a sub-make, after them, since make -j would not wait otherwise.
deps:
	./.ci/deps.sh

deps-test:
	./.ci/deps.sh test

# compile: a compile's or link's command line whose diagnostics are kept
# in $@.warn (and shown): make test counts gcc's warnings in its own
# build's files (check-warnings, WARN_GCC_FROM) instead of compiling it
# all twice.
compile = $(1) 2>$@.warn; s=$$?; cat $@.warn >&2; exit $$s

# Objects are built again when the flags change, not only their sources
# (make OPT=-O0, CFLAGS=-w), so that what their .warn files say is what
# these flags give.  Rewritten only when they differ, as git's GIT-CFLAGS
# (GNU make 4.2 or later: $(file <)).  Not CFLAGS_ALL: its INC is each
# directory's, and the stamp would take the first asker's.
FLAGS_LINE = $(strip $(CC) $(OPT) $(SAN) $(WARN) $(CFLAGS) $(LDFLAGS) $(LDLIBS))
same = $(if $(subst x$(1),,x$(2))$(subst x$(2),,x$(1)),,1)
$(BUILD)/.flags: FORCE
	@$(if $(call same,$(file <$@),$(FLAGS_LINE)),:,mkdir -p $(@D) && \
		printf '%s\n' '$(subst ','\'',$(FLAGS_LINE))' >$@.tmp && mv -f $@.tmp $@)
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call compile,$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<)

$(BUILD)/cmappserver: $(call obj,$(SERVER) $(COMMON))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL))

$(BUILD)/cmapp-shim: $(call obj,$(SHIM))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^)

$(BUILD)/tests/tools/soak: $(call obj,tests/tools/soak.c $(COMMON))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL))

$(BUILD)/tests/tools/rawframe: $(call obj,tests/tools/rawframe.c $(COMMON))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL))

$(BUILD)/tests/tools/oldserver: $(call obj,tests/tools/oldserver.c $(COMMON))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL))

$(BUILD)/cmappmgr: $(call obj,$(MANAGER) $(COMMON))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL))

# Modules under test that are not in COMMON.
$(BUILD)/tests/unit: $(call obj,appmgr/hostlog.c appmgr/outfile.c common/hostlog_arg.c \
	common/svcsplit.c tests/keyfix.c tests/argvfix.c appserver/svcfsm.c appserver/shimfsm.c \
	appserver/leftover.c)
# Not with --gc-sections: nothing refers to Criterion's test sections.
$(BUILD)/tests/unit: $(call obj,$(UNIT) $(COMMON))
	$(call compile,$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) \
		$(shell pkg-config --libs criterion))

# The shim and the probes the unit tests drive are part of all.
unit: all $(BUILD)/tests/unit
	tests/unit.sh $(BUILD) --jobs 2

e2e: all tools
	tests/e2e.sh $(BUILD)

# Every suite (tests/all.sh): unit, end to end, fuzzing, ASan+UBSan, valgrind.
# all.sh's closing wall time counts from here.
test: deps-test
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -j$(NPROC) all tools $(BUILD)/tests/unit && \
	MAKE_TEST_START=$$start tests/all.sh

# The quick loop while developing: unit and end-to-end tests only.
check: deps-test
	$(MAKE) --no-print-directory -j$(NPROC) all tools $(BUILD)/tests/unit
	tests/unit.sh $(BUILD) --jobs 2
	tests/e2e.sh $(BUILD)

# The ASan+UBSan build into build-asan/ (make check-asan, make test):
# clang's, whose one sanitizer runtime, linked in, starts a process a
# third faster than gcc's two shared ones, and whose diagnostics are make
# test's count of clang's warnings (check-warnings, WARN_CLANG_FROM_ASAN):
# the tree compiled by clang once.  The bench programs only for that count.
ASAN_VARS = BUILD=build-asan CC=clang OPT="-O1 -g" \
	SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
asan-build: deps-test
	$(MAKE) --no-print-directory -j$(NPROC) $(ASAN_VARS) all tools build-asan/tests/unit \
		build-asan/bench/benchrun build-asan/bench/benchsvc

# CMAPP_SLOW: sanitized binaries are slower; the end-to-end tests wait
# longer, the load tests and the soak run smaller, as in tests/all.sh.
check-asan: asan-build
	CMAPP_SLOW=1 $(MAKE) --no-print-directory check $(ASAN_VARS)

# Every program, the test tools and the unit runner, built by each of
# WARN_CCS with -Werror into build-warn-CC/ (make -k: every file is tried).
# Ends with "warnings: gcc N, clang N", the diagnostics each compiler gave
# (its log: build-warn-CC/warn.log), and fails if any.  gcc builds at the
# product's -O, where its middle end warns (maybe-uninitialized, stringop)
# as it does for a user; clang at -O0, in a third less CPU: its warnings
# come from its front end, the same at any -O.
# WARN_GCC_FROM=DIR (make test): gcc's diagnostics are those of its build
# in DIR, with DIR's own flags (the defaults: no CFLAGS, the product's OPT,
# else a build of its own as above), without -Werror: what each compile
# and link said, kept beside its output (FILE.warn, the compile macro),
# the tree compiled by gcc once.  Its log: DIR/warn.all.  DIR's compiler
# must be gcc.  Not counted: the package builds under DIR/pkg, and the
# .warn files of objects whose source is gone.
# WARN_CLANG_FROM_ASAN=1 (make test): clang's are, the same way, those of
# the ASan+UBSan build in build-asan/ (make asan-build: clang at -O1 with
# the sanitizers, whose checks add no warning; no CFLAGS).
WARN_CCS = gcc clang
WARN_GCC_FROM =
WARN_CLANG_FROM_ASAN =
WARN_REUSE = $(if $(WARN_GCC_FROM),$(if $(filter undefined,$(origin CFLAGS)),$(if $(filter file,$(origin OPT)),1)))
WARN_REUSE_ASAN = $(if $(WARN_CLANG_FROM_ASAN),$(if $(filter undefined,$(origin CFLAGS)),1))
check-warnings: deps-test
	@r=0 s=; for cc in $(WARN_CCS); do \
		d=build-warn-$$cc log=; \
		if [ $$cc = gcc ] && [ -n "$(WARN_REUSE)" ]; then \
			d=$(WARN_GCC_FROM); \
			$(CC) -v 2>&1 | grep -q '^gcc version' || \
				{ echo "check-warnings: WARN_GCC_FROM=$$d, but its compiler $(CC) is not gcc"; exit 1; }; \
			$(MAKE) -k -j$(NPROC) --no-print-directory BUILD=$$d all tools $$d/tests/unit \
				$$d/bench/benchrun $$d/bench/benchsvc >$$d/warn.log 2>&1 || r=1; \
		elif [ $$cc = clang ] && [ -n "$(WARN_REUSE_ASAN)" ]; then \
			d=build-asan; mkdir -p $$d; \
			$(MAKE) -k --no-print-directory asan-build >$$d/warn.log 2>&1 || r=1; \
		else \
			mkdir -p $$d; \
			$(MAKE) -k -j$(NPROC) --no-print-directory BUILD=$$d CC=$$cc \
				$$([ $$cc = clang ] && echo OPT=-O0) CFLAGS=-Werror all tools $$d/tests/unit \
				$$d/bench/benchrun $$d/bench/benchsvc >$$d/warn.log 2>&1 || r=1; \
			log=$$d/warn.log; \
		fi; \
		if [ -z "$$log" ]; then \
			find $$d -path $$d/pkg -prune -o -name '*.warn' -print | while read -r w; do \
				case $$w in *.o.warn) c=$${w#$$d/}; c=$${c%.o.warn}; c=$${c%.pic}.c; \
					[ -f "$$c" ] || continue ;; esac; \
				cat "$$w"; \
			done >$$d/warn.all; \
			log=$$d/warn.all; \
		fi; \
		n=$$(grep -cE '(warning|error): ' $$log); \
		[ "$$n" -eq 0 ] || grep -E -A4 '(warning|error): ' $$log; \
		[ "$$r" -eq 0 ] || tail -5 $$d/warn.log; \
		[ "$$n" -eq 0 ] || r=1; \
		s="$$s$${s:+, }$$cc $$n"; \
	done; echo "warnings: $$s"; [ "$$r" -eq 0 ]

# The end-to-end suite with cmappserver under valgrind's memcheck: any
# error or definite leak fails the test it happened in.
VALGRIND = valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=99 --log-file=%q{T}/valgrind.%p.log
# E2E_TESTS: only those (as tests/all.sh runs it).
check-valgrind: deps-test
	$(MAKE) --no-print-directory -j$(NPROC) all tools
	SERVER_WRAP="$(VALGRIND)" tests/e2e.sh $(BUILD) $(E2E_TESTS)

# Chooses the end-to-end tests that make test's ASan+UBSan and valgrind
# suites run, from a coverage run of them all (tests/sanset.sh).
sanitize-list: deps-test
	tests/sanset.sh

demo: deps
	$(MAKE) --no-print-directory -j$(NPROC) all
	tests/demo.sh $(BUILD)

clean:
	rm -rf build build-asan build-cov build-warn-*

.PHONY: all tools deps deps-test unit e2e test check asan-build check-asan check-warnings \
	check-valgrind sanitize-list demo clean
# Not the package builds' trees in $(BUILD)/pkg (conf/pkg.mk).
-include $(shell find $(BUILD) -path '$(BUILD)/pkg' -prune -o -type f -name '*.d' -print 2>/dev/null)
