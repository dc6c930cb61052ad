# SPDX-License-Identifier: ISC
# tests/fuzz.mk: the fuzzing targets and the load-test helper, included by the
# top-level Makefile.
#
# make fuzz          builds the libFuzzer targets of tests/fuzz/ with clang
#                    (-fsanitize=fuzzer,address,undefined) into build-fuzz/,
#                    runs each for FUZZ_SECONDS (default 15: about a minute
#                    for the four), prints the executions of each, and fails
#                    on a crash, leak, hang or broken property
# make fuzz-smoke    the same for FUZZ_SMOKE_SECONDS (default 3) each
# make fuzz-seeds    regenerates the committed frame seeds (tests/fuzz/corpus)
# make fuzz-clean    removes build-fuzz/
#
# A failure leaves the input in build-fuzz/crashes/ and prints the command
# that replays it.  The working corpus in build-fuzz/corpus/ grows from run
# to run; the committed seeds are only read.

FUZZ_CC		?= clang
FUZZ_DIR	?= build-fuzz
FUZZ_SECONDS	?= 15
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TARGETS	 = proto conf svc keystore
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
# Recursively expanded on purpose: pkg-config runs only when fuzzing.
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -Icommon \
		   $(shell pkg-config --cflags openssl inih)

FUZZ_SRC_proto	  = tests/fuzz/fuzz_proto.c common/proto.c common/reader.c
FUZZ_SRC_svc	  = tests/fuzz/fuzz_svc.c common/svc.c common/proto.c common/vis.c
FUZZ_SRC_conf	  = tests/fuzz/fuzz_conf.c common/conf.c common/readfile.c
FUZZ_SRC_keystore = tests/fuzz/fuzz_keystore.c common/keystore.c common/jks.c \
		    common/readfile.c \
		    common/log.c common/slog.c common/clock.c common/vis.c

fuzz_obj = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(1))
FUZZ_BINS = $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))
# Seeds: the committed ones, and key sets made by certs/mkkeys.sh.
FUZZ_SEEDS_proto    = tests/fuzz/corpus/proto
FUZZ_SEEDS_svc	    = tests/fuzz/corpus/svc
FUZZ_SEEDS_conf	    = tests/fuzz/corpus/conf
FUZZ_SEEDS_keystore = $(FUZZ_DIR)/seeds/keystore

# Sanitized and instrumented for coverage; libFuzzer's main() comes at link.
$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

FUZZ_LINK = $(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^
$(FUZZ_DIR)/fuzz_proto: $(call fuzz_obj,$(FUZZ_SRC_proto))
	$(FUZZ_LINK)
$(FUZZ_DIR)/fuzz_svc: $(call fuzz_obj,$(FUZZ_SRC_svc))
	$(FUZZ_LINK)
$(FUZZ_DIR)/fuzz_conf: $(call fuzz_obj,$(FUZZ_SRC_conf))
	$(FUZZ_LINK) $(shell pkg-config --libs inih)
$(FUZZ_DIR)/fuzz_keystore: $(call fuzz_obj,$(FUZZ_SRC_keystore))
	$(FUZZ_LINK) $(shell pkg-config --libs openssl)

# The seed maker is an ordinary program.
$(FUZZ_DIR)/mkseeds: tests/fuzz/mkseeds.c common/proto.c common/proto.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Icommon -o $@ \
		tests/fuzz/mkseeds.c common/proto.c

$(FUZZ_DIR)/seeds/keystore/.made: certs/mkkeys.sh
	rm -rf $(FUZZ_DIR)/seeds/keystore $(FUZZ_DIR)/seeds/keys
	mkdir -p $(FUZZ_DIR)/seeds/keystore
	certs/mkkeys.sh -o $(FUZZ_DIR)/seeds/keys/pem slvm1 >/dev/null
	certs/mkkeys.sh -pkcs12 -o $(FUZZ_DIR)/seeds/keys/p12 slvm1 >/dev/null
	cd $(FUZZ_DIR)/seeds && \
	cp keys/pem/slvm1/server.private keystore/server.private.pem && \
	cp keys/pem/slvm1/client.public keystore/client.public.pem && \
	cp keys/p12/slvm1/server.private keystore/server.private.p12 && \
	cat keys/pem/host/server_slvm1.public keys/pem/host/client.public \
		>keystore/two.public.pem && \
	openssl x509 -in keys/pem/slvm1/client.public -outform DER \
		-out keystore/client.public.der && \
	openssl pkcs12 -export -nokeys -in keys/pem/slvm1/client.public \
		-passout pass:public -out keystore/client.public.p12 && \
	printf '\376\355\376\355\0\0\0\2' >keystore/old.jks
	@touch $@

# Says what to install rather than failing at the first link.
fuzz-cc:
	@printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }\n' | \
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c -o /dev/null - 2>/dev/null || \
	{ echo "make fuzz needs $(FUZZ_CC) with libFuzzer and the sanitizers" \
		"(Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

fuzz-build: fuzz-cc $(FUZZ_BINS) $(FUZZ_SEEDS_keystore)/.made

fuzz: fuzz-build
	@rm -f $(FUZZ_DIR)/fuzz-summary.txt
	@for t in $(FUZZ_TARGETS); do \
		case $$t in \
		proto) s="$(FUZZ_SEEDS_proto)" ;; svc) s="$(FUZZ_SEEDS_svc)" ;; \
		conf) s="$(FUZZ_SEEDS_conf)" ;; keystore) s="$(FUZZ_SEEDS_keystore)" ;; \
		esac; \
		tests/fuzz/run.sh $(FUZZ_DIR) $$t $(FUZZ_SECONDS) $$s || exit 1; \
	done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

fuzz-seeds: $(FUZZ_DIR)/mkseeds
	rm -rf tests/fuzz/corpus/proto tests/fuzz/corpus/svc
	$(FUZZ_DIR)/mkseeds tests/fuzz/corpus

fuzz-clean:
	rm -rf $(FUZZ_DIR)

# The load tests' socket holder (tests/e2e/50_idle_sockets.sh,
# 51_slow_handshake.sh, 61_idle_flood.sh), their accept storm
# (62_accept_storm.sh) and the end-to-end tests' syslog catcher
# (tests/lib.sh's syslog_capture), built with the test tools.
TOOLS += $(BUILD)/tests/sockhold $(BUILD)/tests/storm $(BUILD)/tests/logcatch

$(BUILD)/tests/sockhold: $(call obj,tests/tools/sockhold.c common/clock.c)
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^)

$(BUILD)/tests/storm: $(call obj,tests/tools/storm.c common/clock.c)
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^)

# A stand-in shim of another link version (tests/e2e/57_old_shim.sh).
TOOLS += $(BUILD)/tests/oldshim

$(BUILD)/tests/oldshim: $(call obj,tests/tools/oldshim.c common/proto.c)
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^)

$(BUILD)/tests/logcatch: $(call obj,tests/tools/logcatch.c)
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^)

.PHONY: fuzz fuzz-cc fuzz-build fuzz-smoke fuzz-seeds fuzz-clean
-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
