# bench/bench.mk: "make bench" (issue 6), included by the top-level Makefile.
#
# make bench   as root: builds everything, installs NRPE and OpenSSH from
#              Debian if missing, starting and enabling no service of theirs
#              (bench/deps.sh), runs bench/run.sh: cmapp side by side
#              with NRPE and ssh on loopback, one table printed and written
#              to bench/results.md.  About 3 to 5 minutes on 2 cores.
#              BENCH_RUNS=N changes the runs per latency figure (default 200).

# The first rule in a fragment would become make's default goal: keep "all".
BENCH_GOAL_SAVED := $(.DEFAULT_GOAL)

BENCH_TOOLS = $(BUILD)/bench/benchrun $(BUILD)/bench/benchsvc

# Two small timing helpers, libc only.
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Wextra $(CFLAGS) $(LDFLAGS) -o $@ $<

bench-deps:
	bench/deps.sh

bench: all $(BENCH_TOOLS) bench-deps
	bench/run.sh $(BUILD)

.PHONY: bench bench-deps
.DEFAULT_GOAL := $(BENCH_GOAL_SAVED)
