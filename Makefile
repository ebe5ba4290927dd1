# SPDX-License-Identifier: GPL-2.0
#
# kho-devices: build the Linux 7.3 test kernel with our overlay and patches,
# and run the live-update tests in QEMU. See README.md.
#
#   make run              the main job: live update of a QEMU host with a
#                         passthrough device doing DMA, with a report
#   make check            every test (KUnit, selftests, regression guards)
#   make check T="a b"    only the named scenarios ("debug:a": scenario a
#                         on the sanitised kernel)
#   make checkpatch       checkpatch --strict on our files and patches
#   make export-patches   the whole suite as a git format-patch series
#   make compile-series   build and link each commit of that series
#                         (QUICK=1: only compile what each commit touches)
#   make bench            what a live update costs, next to starting the
#                         device over (BENCH_SIZES, BENCH_PAGES; table,
#                         JSON and plot in build/bench/)
#   make docs             the rst and its kernel-doc as HTML (Sphinx;
#                         build/docs/html), warnings are errors
#   make fuzz             run each libFuzzer target long (FUZZ_SECONDS, 600)
#                         and keep the new inputs in its corpus
#
# Needs root on Debian 12 for the first run (installs packages).

KHO_BUILD ?= $(CURDIR)/build
KHO_CACHE ?= $(KHO_BUILD)/cache
export KHO_BUILD KHO_CACHE

H := $(CURDIR)/harness
T ?=

.PHONY: all deps fetch tree kernel tests initramfs check run \
	debug-kernel debug-initramfs \
	checkpatch export-patches compile-series fuzz bench docs clean distclean

all: initramfs

deps:
	@$(H)/install-deps.sh

fetch: deps
	@$(H)/fetch-kernel.sh

tree: fetch
	@$(H)/prepare-tree.sh

kernel: tree
	@$(H)/build-kernel.sh

tests: kernel
	@$(H)/build-tests.sh

initramfs: tests
	@$(H)/build-initramfs.sh

# The sanitised kernel is built for a full run, or when T names debug:...
CHECK_DEPS := initramfs
ifeq ($(strip $(T)),)
CHECK_DEPS += debug-initramfs
else ifneq ($(findstring debug:,$(T)),)
CHECK_DEPS += debug-initramfs
endif

debug-kernel: tree
	@KHO_FLAVOUR=debug $(H)/build-kernel.sh

debug-initramfs: tests debug-kernel
	@KHO_FLAVOUR=debug $(H)/build-initramfs.sh

check: $(CHECK_DEPS)
	@$(H)/vmtest.sh $(T)

run: initramfs
	@$(H)/live-update-report.sh

checkpatch: tree
	@$(H)/checkpatch.sh

export-patches: tree
	@$(H)/export-patches.sh

compile-series: kernel export-patches
	@KHO_SERIES_LINK=$(if $(QUICK),0,1) $(H)/compile-series.sh

bench: initramfs
	@$(H)/bench.sh

docs: tree
	@$(H)/build-docs.sh

fuzz: tree
	@$(H)/fuzz.sh long $(FUZZ_SECONDS)

clean:
	rm -rf $(KHO_BUILD)/obj $(KHO_BUILD)/obj-debug $(KHO_BUILD)/tests \
		$(KHO_BUILD)/initramfs* $(KHO_BUILD)/logs

distclean:
	rm -rf $(KHO_BUILD)
