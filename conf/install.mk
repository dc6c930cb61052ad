# SPDX-License-Identifier: ISC
# conf/install.mk: install, uninstall and check-man, included by the top-level
# Makefile after MANAGER and ALL are defined.  Also adds cmappmgr -list
# (appmgr/list.c) to cmappmgr's sources.
#
#   make install   [DESTDIR=/stage] [PREFIX=/usr]
#   make uninstall [DESTDIR=/stage] [PREFIX=/usr]
#   make check-man
#
# The layout is the manual's, so that existing Serviceguard package files
# work unchanged: $(PREFIX)/sbin/cmappmgr, /etc/cmappmgr.conf, and everything
# of the guest side in /opt/hp/cmappserver.  /etc and /opt/hp/cmappserver do
# not move with PREFIX: the programs look there.  Confs are samples that are
# never overwritten; uninstall leaves them and every key file in place, and
# any probe in plugins/ that is not the project's own.
#
# install depends on INSTALL_NEEDS (default: all).  INSTALL_NEEDS= installs
# what $(BUILD) already holds without running the compiler; install fails,
# naming the files, when any of them is not built.  What to install is
# spelled out, not found with $(wildcard): make expands a wildcard when it
# reads the makefile, before "install: all" has built anything, and a fresh
# tree would be installed without them.

MANAGER		+= appmgr/list.c

PREFIX		?= /usr
DESTDIR		?=
INSTALL		?= install
INSTALL_NEEDS	?= all
SBINDIR		 = $(PREFIX)/sbin
MANDIR		 = $(PREFIX)/share/man
DOCDIR		 = $(PREFIX)/share/doc/cmapp
UNITDIR		 = $(PREFIX)/lib/systemd/system
SYSCONFDIR	 = /etc
INITDIR		 = /etc/init.d
APPDIR		 = /opt/hp/cmappserver
PLUGINDIR	 = $(APPDIR)/plugins

MAN8		 = $(wildcard conf/man/*.8)
MAN5		 = $(wildcard conf/man/*.5)
MAN7		 = $(wildcard conf/man/*.7)
# The OCF resource agent ocf:cmapp:guestapp, where Pacemaker looks for the
# provider cmapp.  Not under PREFIX: the OCF root is /usr/lib/ocf.
OCFDIR		 = /usr/lib/ocf/resource.d/cmapp
MKKEYS		 = $(BUILD)/cmapp_mkkeys
MONITORS	 = $(BUILD)/cmapp_net_mon $(BUILD)/cmapp_disk_mon
# The project's own probes (plugins/plugins.mk); uninstall removes only these.
PLUGINS		 = $(MON_SOS)
INSTALL_BINS	 = $(BUILD)/cmappmgr $(BUILD)/cmappserver $(BUILD)/cmapp-shim \
		   $(MKKEYS) $(MONITORS) $(PLUGINS)
DOCS		 = README.md conf/package-example.conf \
		   conf/cmappmgr.conf conf/cmappserver.conf

ALL		+= $(MKKEYS)

# The key script says the version of common/version.h, filled in here so
# that the two cannot drift apart.
$(MKKEYS): certs/mkkeys.sh common/version.h
	@mkdir -p $(dir $@)
	@v=$$(sed -n 's/^#define[[:space:]]*CMAPP_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' \
		common/version.h); \
	[ -n "$$v" ] || { echo "$@: no CMAPP_VERSION in common/version.h" >&2; exit 1; }; \
	echo "sed s/@CMAPP_VERSION@/$$v/ certs/mkkeys.sh >$@"; \
	sed "s/@CMAPP_VERSION@/$$v/" certs/mkkeys.sh >$@.tmp && chmod 755 $@.tmp && mv $@.tmp $@

# conf_sample SRC DEST: installs a sample conf unless DEST exists.
define conf_sample
	@if [ -e "$(DESTDIR)$(2)" ] || [ -L "$(DESTDIR)$(2)" ]; then \
		echo "keeping $(DESTDIR)$(2); the new sample is $(DESTDIR)$(DOCDIR)/$(notdir $(1))"; \
	else \
		echo "$(INSTALL) -m 600 $(1) $(DESTDIR)$(2)"; \
		$(INSTALL) -m 600 $(1) "$(DESTDIR)$(2)"; \
	fi
endef

install: $(INSTALL_NEEDS)
	@missing=; for f in $(INSTALL_BINS); do \
		[ -f "$$f" ] || missing="$$missing $$f"; done; \
	[ -z "$$missing" ] || { echo "install: not built:$$missing; run make" >&2; exit 1; }
	$(INSTALL) -d -m 755 "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(APPDIR)" \
		"$(DESTDIR)$(SYSCONFDIR)" "$(DESTDIR)$(INITDIR)" "$(DESTDIR)$(UNITDIR)" \
		"$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man7" \
		"$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(OCFDIR)"
	$(INSTALL) -m 755 $(BUILD)/cmappmgr "$(DESTDIR)$(SBINDIR)/cmappmgr"
	$(INSTALL) -m 755 $(BUILD)/cmappserver "$(DESTDIR)$(APPDIR)/cmappserver"
	$(INSTALL) -m 755 $(MKKEYS) "$(DESTDIR)$(APPDIR)/cmapp_mkkeys"
	$(INSTALL) -m 755 $(BUILD)/cmapp-shim "$(DESTDIR)$(APPDIR)/cmapp-shim"
	$(INSTALL) -m 755 $(MONITORS) "$(DESTDIR)$(APPDIR)/"
# The manual's service lines name the LAN monitor cmapp_net_mon.pl.
	ln -sfn cmapp_net_mon "$(DESTDIR)$(APPDIR)/cmapp_net_mon.pl"
	echo ".so man8/cmapp_net_mon.8" >"$(DESTDIR)$(MANDIR)/man8/cmapp_net_mon.pl.8"
	chmod 644 "$(DESTDIR)$(MANDIR)/man8/cmapp_net_mon.pl.8"
	$(INSTALL) -d -m 755 "$(DESTDIR)$(PLUGINDIR)"
	$(INSTALL) -m 644 $(PLUGINS) "$(DESTDIR)$(PLUGINDIR)/"
	$(call conf_sample,conf/cmappmgr.conf,$(SYSCONFDIR)/cmappmgr.conf)
	$(call conf_sample,conf/cmappserver.conf,$(APPDIR)/cmappserver.conf)
	$(INSTALL) -m 644 $(MAN8) "$(DESTDIR)$(MANDIR)/man8/"
	$(INSTALL) -m 644 $(MAN5) "$(DESTDIR)$(MANDIR)/man5/"
	$(INSTALL) -m 644 $(MAN7) "$(DESTDIR)$(MANDIR)/man7/"
	$(INSTALL) -m 755 conf/ocf/guestapp "$(DESTDIR)$(OCFDIR)/guestapp"
	$(INSTALL) -m 644 conf/cmappserver.service "$(DESTDIR)$(UNITDIR)/cmappserver.service"
	$(INSTALL) -m 644 conf/cmappserver-stop-all.service "$(DESTDIR)$(UNITDIR)/cmappserver-stop-all.service"
	$(INSTALL) -m 755 conf/cmappserver.init "$(DESTDIR)$(INITDIR)/cmappserver"
	$(INSTALL) -m 644 $(DOCS) "$(DESTDIR)$(DOCDIR)/"
	@echo "installed; keys: $(APPDIR)/cmapp_mkkeys; boot: systemctl daemon-reload && systemctl enable --now cmappserver cmappserver-stop-all (in a guest)"

# Everything install put there but the confs and the keys (*.private,
# *.public), which stay, and so do the directories that still hold them.
# plugins/ may hold an admin's own probes: only the project's go.  The boot
# links that "systemctl enable" or update-rc.d made are the admin's: they
# are named, with the command that removes them, not removed.
BOOT_LINKS	 = $(DESTDIR)/etc/systemd/system/*.wants/cmappserver.service \
		   $(DESTDIR)/etc/systemd/system/*.wants/cmappserver-stop-all.service \
		   $(DESTDIR)/etc/rc[0-6S].d/[SK][0-9][0-9]cmappserver
uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/cmappmgr"
	rm -f "$(DESTDIR)$(APPDIR)/cmappserver" "$(DESTDIR)$(APPDIR)/cmapp-shim" \
		"$(DESTDIR)$(APPDIR)/cmapp_mkkeys" "$(DESTDIR)$(APPDIR)/cmapp_net_mon" \
		"$(DESTDIR)$(APPDIR)/cmapp_net_mon.pl" "$(DESTDIR)$(APPDIR)/cmapp_disk_mon"
	rm -f $(foreach p,$(notdir $(PLUGINS)),"$(DESTDIR)$(PLUGINDIR)/$(p)")
	rm -f $(patsubst conf/man/%,"$(DESTDIR)$(MANDIR)/man8/%",$(MAN8)) \
		"$(DESTDIR)$(MANDIR)/man8/cmapp_net_mon.pl.8"
	rm -f $(patsubst conf/man/%,"$(DESTDIR)$(MANDIR)/man5/%",$(MAN5))
	rm -f $(patsubst conf/man/%,"$(DESTDIR)$(MANDIR)/man7/%",$(MAN7))
	rm -f "$(DESTDIR)$(OCFDIR)/guestapp"
	rmdir "$(DESTDIR)$(OCFDIR)" 2>/dev/null || true
	rm -f "$(DESTDIR)$(UNITDIR)/cmappserver.service" \
		"$(DESTDIR)$(UNITDIR)/cmappserver-stop-all.service" "$(DESTDIR)$(INITDIR)/cmappserver"
	rm -f $(foreach f,$(notdir $(DOCS)),"$(DESTDIR)$(DOCDIR)/$(f)")
	rmdir "$(DESTDIR)$(PLUGINDIR)" "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(APPDIR)" 2>/dev/null || true
	@echo "uninstalled; kept $(SYSCONFDIR)/cmappmgr.conf, $(APPDIR)/cmappserver.conf, the key files and other probes in $(PLUGINDIR)"
	@links=$$(ls -d $(BOOT_LINKS) 2>/dev/null); \
	[ -z "$$links" ] || echo "uninstall: boot links left that point nowhere now: rm -f" $$links

# Every man page must format without a single groff warning.
check-man:
	@command -v groff >/dev/null 2>&1 || \
		{ echo "check-man: groff not found (Debian package groff-base)" >&2; exit 1; }
	@fail=0; for p in $(MAN8) $(MAN5) $(MAN7); do \
		w=$$(LC_ALL=C.UTF-8 groff -ww -z -man -Tutf8 "$$p" 2>&1); \
		if [ -n "$$w" ]; then echo "$$p:"; echo "$$w"; fail=1; \
		else echo "ok    $$p"; fi; \
	done; exit $$fail

.PHONY: install uninstall check-man
