# SPDX-License-Identifier: ISC
# plugins.mk: the monitors cmapp_net_mon (also as cmapp_net_mon.pl) and
# cmapp_disk_mon: one runner program (plugins/main.c, runner.c, mlog.c) that
# loads the probe its name says from plugins/NAME.so beside it, the probes,
# their Criterion tests, and the test tools (a probe for the runner's tests,
# one with the wrong interface version, and tests/fusefail, a FUSE file
# system whose reads fail or hang on demand; it needs libfuse3-dev).

MON_RUNNER	= plugins/runner.c plugins/mlog.c common/clock.c common/logpath.c common/slog.c
MON_UTIL	= plugins/probe_util.c
MON_SOS		= $(BUILD)/plugins/net.so $(BUILD)/plugins/disk.so
MON_TEST_SOS	= $(BUILD)/tests/plugins/test.so $(BUILD)/tests/plugins/badabi.so
pic		= $(patsubst %.c,$(BUILD)/%.pic.o,$(1))

ALL	+= $(BUILD)/cmapp_net_mon $(BUILD)/cmapp_net_mon.pl \
	   $(BUILD)/cmapp_disk_mon $(MON_SOS)
TOOLS	+= $(BUILD)/tests/fusefail
UNIT	+= tests/test_runner.c tests/test_net_probe.c tests/test_disk_probe.c

$(BUILD)/%.pic.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call compile,$(CC) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<)

# The same program under each name; the name picks the probe.
$(BUILD)/cmapp_net_mon $(BUILD)/cmapp_disk_mon: \
		$(call obj,plugins/main.c $(MON_RUNNER))
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS))

$(BUILD)/cmapp_net_mon.pl: | $(BUILD)/cmapp_net_mon
	ln -sfn cmapp_net_mon $@

$(BUILD)/plugins/net.so: $(call pic,plugins/net.c plugins/icmp.c $(MON_UTIL))
$(BUILD)/plugins/disk.so: $(call pic,plugins/disk.c $(MON_UTIL))
$(BUILD)/tests/plugins/test.so: $(call pic,plugins/test_probe.c $(MON_UTIL))
$(BUILD)/tests/plugins/badabi.so: $(call pic,plugins/test_badabi.c)
$(MON_SOS) $(MON_TEST_SOS):
	@mkdir -p $(dir $@)
	$(call compile,$(CC) $(SAN) $(LDFLAGS_ALL) -shared -o $@ $^ $(LDLIBS))

$(BUILD)/tests/fusefail: tests/fusefail/fusefail.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(call compile,$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags fuse3) -o $@ $< \
		$(shell pkg-config --libs fuse3))

# The unit tests load the real probes from ../plugins/ beside them, and the
# test probes from plugins/.
$(BUILD)/tests/unit: $(call obj,$(MON_RUNNER) plugins/icmp.c $(MON_UTIL) \
		common/hostlog_arg.c) \
		| $(MON_SOS) $(MON_TEST_SOS) $(BUILD)/tests/fusefail
