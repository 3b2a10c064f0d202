# Build and install cgtools: the tools, cgconfigd, their man pages and shell completions,
# the systemd units and the example configurations.
#
#     make                                  # cargo build --release, and the static tools
#     sudo make install                     # into /usr/local
#     make install PREFIX=/usr DESTDIR=pkg  # staged, for a package
#     make install PROFILE=debug STATIC=no  # what `cargo build` made, all dynamic
#     sudo make uninstall                   # the same variables as install
#     make deb                              # the Debian package, in target/deb
#
# Nothing is written to /etc but an empty /etc/cgconfig.d: the example configurations go
# to the documentation directory, so that enabling the service creates no group nobody
# asked for.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/cgtools
# systemd looks in /usr/lib/systemd/system and /etc/systemd/system, not below /usr/local:
# with the default PREFIX the units go to /etc/systemd/system.
ifeq ($(PREFIX),/usr)
SYSTEMDUNITDIR ?= /usr/lib/systemd/system
else
SYSTEMDUNITDIR ?= /etc/systemd/system
endif
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d

CARGO ?= cargo
# release, or debug to install what `cargo build` made.
PROFILE ?= release
TARGETDIR ?= target
INSTALL ?= install

# Where libcgroup's Debian package puts them: the configuration parser and the daemon in
# sbin, the rest in bin.
SBIN_TOOLS := cgconfigparser cgconfigd cgrulesengd
BIN_TOOLS := cgclassify cgcreate cgdelete cgexec cgget cgset cgsnapshot cgxget cgxset lscgroup lssubsys

BUILT = $(TARGETDIR)/$(PROFILE)
CARGO_PROFILE_FLAG = $(if $(filter release,$(PROFILE)),--release,$(if $(filter debug,$(PROFILE)),,--profile $(PROFILE)))

.PHONY: all build install uninstall check clean deb

all: build

# Some tools ship statically linked (scripts/build-static.sh says which and why); install
# takes them from its output, or with STATIC=no (development) the dynamic builds.
STATIC ?= yes
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
STATIC_BUILT = $(TARGETDIR)/$(HOST_TRIPLE)/$(PROFILE)
STATIC_TOOLS := $(shell ./scripts/build-static.sh --list)

build:
	$(CARGO) build --locked $(CARGO_PROFILE_FLAG) --workspace --bins
	./scripts/build-static.sh $(if $(filter debug,$(PROFILE)),--debug,--release)

check:
	$(CARGO) test --workspace

clean:
	$(CARGO) clean

# The Debian package (debian/, README "Install"): target/deb/cgtools_VERSION_ARCH.deb.
# Built in target/deb-build by debhelper (debian/rules), which takes SOURCE_DATE_EPOCH from
# debian/changelog. debian/rules is run directly rather than through dpkg-buildpackage,
# which would also write .buildinfo and .changes files into the directory above the tree.
deb:
	debian/rules build
	debian/rules binary

# Every tool must be built: install fails naming each one that is not (it never builds,
# so that `sudo make install` leaves no root-owned files in the build tree).
install:
	@missing=; for t in $(SBIN_TOOLS) $(BIN_TOOLS); do \
		from=$(BUILT); \
		case " $(STATIC_TOOLS) " in *" $$t "*) [ "$(STATIC)" = yes ] && from=$(STATIC_BUILT);; esac; \
		[ -x $$from/$$t ] || missing="$$missing $$from/$$t"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make install: not built:$$missing" >&2; \
		echo "make install: run \`make$(if $(filter release,$(PROFILE)),, PROFILE=$(PROFILE))\` first (the static tools: scripts/build-static.sh, or STATIC=no to install the dynamic builds)" >&2; \
		exit 1; \
	fi
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	@for t in $(SBIN_TOOLS:%=sbin:%) $(BIN_TOOLS:%=bin:%); do \
		dir=$(DESTDIR)$(BINDIR); [ $${t%%:*} = sbin ] && dir=$(DESTDIR)$(SBINDIR); \
		t=$${t#*:}; from=$(BUILT); \
		case " $(STATIC_TOOLS) " in *" $$t "*) [ "$(STATIC)" = yes ] && from=$(STATIC_BUILT);; esac; \
		echo "$(INSTALL) -m 0755 $$from/$$t $$dir/$$t"; \
		$(INSTALL) -m 0755 $$from/$$t $$dir/$$t || exit 1; \
	done
	@for page in man/*.[0-9]; do \
		[ -f "$$page" ] || continue; \
		section=$${page##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$section || exit 1; \
		echo "$(INSTALL) -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section/"; \
		$(INSTALL) -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section/ || exit 1; \
	done
	@for pair in bash:$(BASHCOMPDIR) zsh:$(ZSHCOMPDIR) fish:$(FISHCOMPDIR); do \
		shell=$${pair%%:*}; dir=$${pair#*:}; \
		for f in completions/$$shell/*; do \
			[ -f "$$f" ] || continue; \
			$(INSTALL) -d $(DESTDIR)$$dir || exit 1; \
			echo "$(INSTALL) -m 0644 $$f $(DESTDIR)$$dir/"; \
			$(INSTALL) -m 0644 $$f $(DESTDIR)$$dir/ || exit 1; \
		done; \
	done
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR)
	@for unit in etc/systemd/*.service; do \
		echo "install $$unit -> $(DESTDIR)$(SYSTEMDUNITDIR)/ (ExecStart in $(SBINDIR))"; \
		sed -e 's|/usr/sbin/cgconfigd|$(SBINDIR)/cgconfigd|g' -e 's|/usr/sbin/cgrulesengd|$(SBINDIR)/cgrulesengd|g' \
			$$unit > $(DESTDIR)$(SYSTEMDUNITDIR)/$${unit##*/} || exit 1; \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${unit##*/}; \
	done
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/examples/cgconfig.d
	$(INSTALL) -m 0644 etc/cgconfig.conf etc/cgrules.conf $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 0644 etc/cgconfig.d/*.conf $(DESTDIR)$(DOCDIR)/examples/cgconfig.d/
	$(INSTALL) -m 0644 docs/cgconfigd.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/cgconfig.d

uninstall:
	@for t in $(SBIN_TOOLS); do rm -f $(DESTDIR)$(SBINDIR)/$$t; done
	@for t in $(BIN_TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	@for page in man/*.[0-9]; do \
		[ -f "$$page" ] || continue; \
		rm -f $(DESTDIR)$(MANDIR)/man$${page##*.}/$${page##*/}; \
	done
	@for f in completions/bash/*; do [ -f "$$f" ] && rm -f $(DESTDIR)$(BASHCOMPDIR)/$${f##*/}; done; true
	@for f in completions/zsh/*; do [ -f "$$f" ] && rm -f $(DESTDIR)$(ZSHCOMPDIR)/$${f##*/}; done; true
	@for f in completions/fish/*; do [ -f "$$f" ] && rm -f $(DESTDIR)$(FISHCOMPDIR)/$${f##*/}; done; true
	@for unit in etc/systemd/*.service; do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$${unit##*/}; done
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "left in place: $(DESTDIR)$(SYSCONFDIR)/cgconfig.d (your configuration)"
