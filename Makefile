# Chimera: build, run, test and benchmark on Debian 12.
#
#   make run     install what is missing, build, serve config/default.json
#   make test    install what is missing, build, run every test
#   make bench   side-by-side benchmarks against the peer servers (QUICK=1: short)
#   make install PREFIX=/usr/local
#
# Everything the machine lacks comes from Debian (apt-get) or PyPI (pip);
# Swift packages come from their usual GitHub URLs.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

PREFIX ?= /usr/local
CONFIG ?= config/default.json
CONFIGURATION ?= release
BUILD := build
SWIFT ?= swift
SWIFT_BUILD_FLAGS := -c $(CONFIGURATION)
BIN_DIR = $(shell $(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)
CC ?= cc
C_PLUGIN_FLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden

# Debian packages: to build, to run the tests, to run the benchmarks.
BUILD_PACKAGES := pkg-config liburing-dev libjson-c-dev liburcu-dev libnfs-dev
TEST_PACKAGES := libnfs-utils s3cmd python3-pip procps
BENCH_PACKAGES := nfs-ganesha nfs-ganesha-mem nfs-ganesha-vfs rpcbind ceph-mon ceph-mgr ceph-osd ceph-common \
	radosgw uuid-runtime curl iproute2 libnfs-dev libssl-dev gcc libc6-dev binutils linux-perf util-linux procps
# The kernel-client guest harness (Tests/guest): qemu TCG, Debian's kernel, busybox initramfs, static C helpers.
GUEST_PACKAGES := qemu-system-x86 linux-image-amd64 busybox-static kmod cpio iproute2 gcc libc6-dev coreutils
PIP_TEST_PACKAGES := boto3 awscli pytest
# CI has no terminal; apt must never ask.
export DEBIAN_FRONTEND := noninteractive

SWIFT_PLUGINS := chimera_vfs_memfs chimera_vfs_linux chimera_vfs_io_uring chimera_proto_nfs chimera_proto_s3 chimera_proto_fuse
TEST_PLUGINS := chimera_vfs_swifttest

.PHONY: all build run test unit-test integration-test conformance install clean deps test-deps bench-deps \
	bench xdr check-xdr c-plugins test-guest guest-deps

all: build

# ---------------------------------------------------------------- packages

# Install the Debian packages in $(1) that are not installed yet, with one
# apt-get update first.
define apt_install
	missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	@$(call apt_install,$(BUILD_PACKAGES))

test-deps: deps
	@$(call apt_install,$(TEST_PACKAGES))
	@missing=""; for p in $(PIP_TEST_PACKAGES); do python3 -m pip show -q "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Python packages:$$missing"; python3 -m pip install -q $$missing; fi

bench-deps: test-deps
	@$(call apt_install,$(BENCH_PACKAGES))

# ------------------------------------------------------------------- build

build: deps nfs-test-clients
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)
	@mkdir -p $(BUILD)/bin $(BUILD)/lib/chimera $(BUILD)/lib/pkgconfig $(BUILD)/include $(BUILD)/test-plugins
	@bin="$(BIN_DIR)"; \
	install -m 755 "$$bin/chimera" $(BUILD)/bin/chimera; \
	for p in $(SWIFT_PLUGINS); do install -m 755 "$$bin/lib$$p.so" $(BUILD)/lib/chimera/$$p.so; done; \
	for p in $(TEST_PLUGINS); do install -m 755 "$$bin/lib$$p.so" $(BUILD)/test-plugins/$$p.so; done
	@install -m 644 include/chimera_common.h include/chimera_vfs.h include/chimera_host.h include/chimera_protocol.h $(BUILD)/include/
	@sed -e 's|@VERSION@|$(shell $(BUILD)/bin/chimera version | head -1 | cut -d" " -f2)|' config/chimera.pc.in > $(BUILD)/lib/pkgconfig/chimera.pc
	@$(MAKE) --no-print-directory c-plugins
	@echo "built $(BUILD)/: bin/chimera, lib/chimera/*.so, include/, lib/pkgconfig/chimera.pc"

# --- nfs test clients
# The NFS front-end's libnfs test clients (Tests/nfs), for the integration tests.
NFS_TEST_CLIENTS := $(BUILD)/test-bin/nfs-stress $(BUILD)/test-bin/nfs-fsx
.PHONY: nfs-test-clients
nfs-test-clients: deps $(NFS_TEST_CLIENTS)
$(BUILD)/test-bin/nfs-%: Tests/nfs/%.c
	@mkdir -p $(BUILD)/test-bin
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE $< -o $@ $$(pkg-config --cflags --libs libnfs)
# --- end nfs test clients

# C plugins are built with the system compiler against the installed
# headers only, as a third party would (never through SwiftPM, which would
# tie them to the Swift runtime).
c-plugins:
	@PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/lib/pkgconfig $(MAKE) --no-print-directory -s -C Plugins-src/examples/passthrough-c
	@install -m 755 Plugins-src/examples/passthrough-c/chimera_vfs_passthrough_c.so $(BUILD)/lib/chimera/
	@inc=$$(PKG_CONFIG_PATH=$(BUILD)/lib/pkgconfig pkg-config --cflags chimera); \
	src=Tests/plugins/c/test_module.c; out=$(BUILD)/test-plugins; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc $$src -o $$out/chimera_vfs_ctest.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_ABI_MAJOR=2 $$src -o $$out/chimera_vfs_abi_major.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_ABI_MINOR=99 $$src -o $$out/chimera_vfs_abi_minor.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_STRUCT_SIZE=16 $$src -o $$out/chimera_vfs_small_struct.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_STRUCT_SIZE=65536 $$src -o $$out/chimera_vfs_large_struct.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_NO_ENTRY $$src -o $$out/chimera_vfs_no_entry.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_CAP_LOCKS $$src -o $$out/chimera_vfs_ctest_locks.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc Tests/plugins/c/state_frontend.c -o $$out/chimera_proto_state_test.so; \
	mem=Tests/plugins/c/mem_module.c; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc $$mem -o $$out/chimera_vfs_cmem.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_BROKEN_LOOKUP $$mem -o $$out/chimera_vfs_cmem_broken_lookup.so; \
	$(CC) $(C_PLUGIN_FLAGS) $$inc -DTEST_ALIAS_HANDLES $$mem -o $$out/chimera_vfs_cmem_alias_handles.so; \
	echo "this is not a shared object" > $$out/chimera_vfs_not_elf.so

install: build
	@mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/chimera $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/bin/chimera $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(BUILD)/lib/chimera/*.so $(DESTDIR)$(PREFIX)/lib/chimera/
	install -m 644 $(BUILD)/include/*.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/lib/pkgconfig/chimera.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	@echo "installed under $(DESTDIR)$(PREFIX)"

# --------------------------------------------------------------------- run

run: build
	@mkdir -p /tmp/chimera/linux   # the directory config/default.json's linux mount serves
	$(BUILD)/bin/chimera serve --config $(CONFIG)

# -------------------------------------------------------------------- test

test: test-deps build check-xdr
	$(MAKE) --no-print-directory unit-test
	$(MAKE) --no-print-directory conformance
	$(MAKE) --no-print-directory integration-test
	$(MAKE) --no-print-directory test-guest

unit-test:
	$(SWIFT) test

conformance:
	@bash Tests/integration/conformance.sh $(BUILD)

integration-test:
	python3 -m pytest -q -x Tests/integration

# Real Linux NFSv3 clients in a qemu guest against $(BUILD)/bin/chimera (needs root: netns, tap).
guest-deps:
	@$(call apt_install,$(GUEST_PACKAGES))

test-guest: guest-deps
	CHIMERA_BUILD=$${CHIMERA_BUILD:-$(BUILD)} bash Tests/guest/run.sh

# ----------------------------------------------------------------- codecs

# Regenerate the XDR codecs from their .x definitions.
xdr:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product xdrgen
	XDRGEN="$(BIN_DIR)/xdrgen" bash xdr/regenerate.sh

# CI: the committed generated code must match its .x input.
GENERATED := Sources/ONCRPC/Generated Sources/NFS3/Generated
check-xdr: build
	@XDRGEN="$(BIN_DIR)/xdrgen" bash xdr/regenerate.sh
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		if ! git diff --quiet -- $(GENERATED) || [ -n "$$(git ls-files --others --exclude-standard -- $(GENERATED))" ]; then \
			echo "generated XDR code is stale: run 'make xdr' and commit the result"; git diff --stat -- $(GENERATED); exit 1; \
		fi; \
		echo "generated XDR code matches its .x inputs"; \
	fi

# ------------------------------------------------------------------- bench

bench: bench-deps build
	python3 Benchmarks/run.py $(if $(QUICK),--quick,)

clean:
	rm -rf $(BUILD) .build
