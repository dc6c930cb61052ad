# SPDX-License-Identifier: ISC
# conf/pkg.mk: the packages, included by the top-level Makefile.
#
#   make deb   cmapp-host_V_ARCH.deb and cmapp-guest_V_ARCH.deb here, built by
#              debhelper from debian/, checked by lintian (no error, no
#              warning that debian/*.lintian-overrides does not justify)
#   make rpm   cmapp-host-V-1.ARCH.rpm and cmapp-guest-V-1.ARCH.rpm here,
#              built by rpmbuild -bb from cmapp.spec
#
# Each builds in a copy of the tree as a fresh clone has it (.ci/srccopy.sh)
# under $(BUILD)/pkg/, and installs its tools first where they are missing
# (.ci/deps.sh pkg: debhelper, dpkg-dev, fakeroot, lintian, Debian's rpm).
# The version is common/version.h's CMAPP_VERSION: debian/rules fails when
# debian/changelog says another; the spec is given it by make rpm.

PKGDIR		 = $(abspath $(BUILD))/pkg
# LINTIAN=: skips the check (tests/e2e/90_packages.sh's second build, the
# same files with a higher version).
LINTIAN		 = lintian --fail-on error,warning
PKG_VERSION	 = $(shell sed -n 's/^#define[[:space:]]*CMAPP_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' common/version.h)
# rpm on Debian has no systemd macros (RHEL's systemd-rpm-macros):
# conf/rpm-systemd.macros stands in for them where they are missing.
RPM_SYSTEMD	 = $(shell rpm --eval '%{?systemd_post:1}' 2>/dev/null)

deb:
	./.ci/deps.sh pkg
	rm -rf "$(PKGDIR)/deb"
	./.ci/srccopy.sh "$(PKGDIR)/deb/cmapp"
	cd "$(PKGDIR)/deb/cmapp" && dpkg-buildpackage -b -us -uc -j$(NPROC)
	$(LINTIAN) "$(PKGDIR)"/deb/cmapp_*.changes
	cp "$(PKGDIR)"/deb/cmapp-host_*.deb "$(PKGDIR)"/deb/cmapp-guest_*.deb .
	@ls cmapp-host_*.deb cmapp-guest_*.deb

rpm:
	./.ci/deps.sh pkg
	@[ -n "$(PKG_VERSION)" ] || { echo "make rpm: no CMAPP_VERSION in common/version.h" >&2; exit 1; }
	rm -rf "$(PKGDIR)/rpm"
	mkdir -p "$(PKGDIR)/rpm/SOURCES"
	./.ci/srccopy.sh "$(PKGDIR)/rpm/cmapp-$(PKG_VERSION)"
	tar -C "$(PKGDIR)/rpm" -czf "$(PKGDIR)/rpm/SOURCES/cmapp-$(PKG_VERSION).tar.gz" cmapp-$(PKG_VERSION)
	rpmbuild -bb --nodeps $(if $(RPM_SYSTEMD),,--load conf/rpm-systemd.macros) \
		--define "_topdir $(PKGDIR)/rpm" --define "cmapp_version $(PKG_VERSION)" \
		--define "_smp_mflags -j$(NPROC)" cmapp.spec
	cp "$(PKGDIR)"/rpm/RPMS/*/cmapp-host-*.rpm "$(PKGDIR)"/rpm/RPMS/*/cmapp-guest-*.rpm .
	@ls cmapp-host-*.rpm cmapp-guest-*.rpm

.PHONY: deb rpm
