# Build and install cgtools: the tools, cgconfigd, their man pages and shell completions,
# the systemd units and the example configurations.
#
#     make                                  # cargo build --release, and the static tools
#     sudo make install                     # into /usr/local
#     make install PREFIX=/usr DESTDIR=pkg  # staged, for a package
#     sudo make uninstall                   # the same variables as install
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
# sbin, the rest in bin. Binaries not built (yet) are skipped.
SBIN_TOOLS := cgconfigparser cgconfigd cgrulesengd
BIN_TOOLS := cgclassify cgcreate cgdelete cgexec cgget cgset cgsnapshot cgxget cgxset lscgroup lssubsys

BUILT = $(TARGETDIR)/$(PROFILE)
CARGO_PROFILE_FLAG = $(if $(filter release,$(PROFILE)),--release,$(if $(filter debug,$(PROFILE)),,--profile $(PROFILE)))

.PHONY: all build install uninstall check clean

all: build

# The tools scripts/build-static.sh lists are linked statically (it says which and why); install
# takes them from there when they were built, else the dynamic ones.
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
STATIC_BUILT = $(TARGETDIR)/$(HOST_TRIPLE)/$(PROFILE)
STATIC_TOOLS := $(shell ./scripts/build-static.sh --list)

build:
	$(CARGO) build $(CARGO_PROFILE_FLAG) --workspace --bins
	./scripts/build-static.sh $(if $(filter debug,$(PROFILE)),--debug,--release)

check:
	$(CARGO) test --workspace

clean:
	$(CARGO) clean

install:
	@test -x $(BUILT)/cgconfigd || { echo "make install: $(BUILT)/cgconfigd is not built; run make (or make PROFILE=$(PROFILE)) first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	@for t in $(SBIN_TOOLS); do \
		if [ -x $(BUILT)/$$t ]; then echo "$(INSTALL) -m 0755 $(BUILT)/$$t $(DESTDIR)$(SBINDIR)/$$t"; \
			$(INSTALL) -m 0755 $(BUILT)/$$t $(DESTDIR)$(SBINDIR)/$$t || exit 1; fi; \
	done
	@for t in $(BIN_TOOLS); do \
		from=$(BUILT); \
		case " $(STATIC_TOOLS) " in *" $$t "*) [ -x $(STATIC_BUILT)/$$t ] && from=$(STATIC_BUILT);; esac; \
		if [ -x $$from/$$t ]; then echo "$(INSTALL) -m 0755 $$from/$$t $(DESTDIR)$(BINDIR)/$$t"; \
			$(INSTALL) -m 0755 $$from/$$t $(DESTDIR)$(BINDIR)/$$t || exit 1; fi; \
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
		sed 's|/usr/sbin/cgconfigd|$(SBINDIR)/cgconfigd|g' $$unit > $(DESTDIR)$(SYSTEMDUNITDIR)/$${unit##*/} || exit 1; \
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
