# SPDX-License-Identifier: ISC
# bench/bench.mk: "make bench" (issue 6), included by the top-level Makefile.
#
# make bench   as root: builds everything, installs NRPE and OpenSSH from
#              Debian if missing, starting and enabling no service of theirs
#              (bench/deps.sh), runs bench/run.sh: cmapp side by side
#              with NRPE and ssh on loopback, one table printed and written
#              to bench/results.md.  About 3 to 5 minutes on 2 cores.
#              BENCH_RUNS=N changes the runs per latency figure (default 200).

BENCH_TOOLS = $(BUILD)/bench/benchrun $(BUILD)/bench/benchsvc

# Two small timing helpers, libc only.
$(BUILD)/bench/%: bench/%.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call compile,$(CC) -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<)

bench-deps:
	bench/deps.sh

bench: deps bench-deps
	$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	bench/run.sh $(BUILD)

.PHONY: bench bench-deps
