# Kassa build and release targets. The scripts in scripts/ do the work; each
# can also be run by hand. Version: FyneApp.toml (override: make dist VERSION=1.2.3).
#
#   make dist      every installer that builds on Linux, into dist/
#   make test      what CI runs (scripts/test.sh)
#   make check     the packaging checks alone (scripts/package-check.sh)
#   make demo      set up and start Kassa in demo mode
#   make icons     regenerate the icon PNGs/ICO from assets/icon/kassa.svg
#   make bench     run the journal benchmarks, regenerate docs/PERFORMANCE.md
#   make reliability  the fault-injection suite, full counts; regenerate docs/RELIABILITY.md

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
VERSION ?= $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
export VERSION
DIST := dist
ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
BIN := $(DIST)/linux-amd64/kassa

.PHONY: all dist setup-dist build deb tarxz windows checksums test check demo icons bench reliability clean

all: build

## dist: .deb, .tar.xz, Windows installer (+ kassa.exe), SHA256SUMS
dist: setup-dist build deb tarxz windows checksums
	go run scripts/pecheck.go $(DIST)/windows-amd64/kassa.exe
	@echo; echo "dist/ for Kassa $(VERSION):"; ls -l $(DIST) | sed 1d

setup-dist:
	bash scripts/setup-dist.sh

build:
	bash scripts/build-linux.sh $(BIN)

deb: build
	bash scripts/build-deb.sh $(BIN) $(DIST)

tarxz: build
	bash scripts/build-tarxz.sh $(BIN) $(DIST)

windows:
	bash scripts/build-windows.sh $(DIST)

checksums:
	cd $(DIST) && sha256sum kassa_$(VERSION)_$(ARCH).deb kassa-$(VERSION)-linux-amd64.tar.xz \
	  kassa-$(VERSION)-windows-amd64-setup.exe windows-amd64/kassa.exe > SHA256SUMS && cat SHA256SUMS

test:
	bash scripts/test.sh

check:
	bash scripts/package-check.sh

demo:
	bash scripts/demo.sh

icons:
	bash scripts/icons.sh

bench:
	bash scripts/bench.sh

reliability:
	bash scripts/reliability.sh

clean:
	rm -rf $(DIST)
