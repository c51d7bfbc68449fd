# imapdir developer targets. `make test` is what CI runs (.ci/run).
GO       ?= go
FUZZTIME ?= 1m
BENCHTIME ?= 1s
SEEDS    ?= 20
SIMTIME  ?= 1m

.PHONY: test fmt-check vet race bench fuzz simulate faults watch-bench watch-idle-cost soak

## test: install what the tests need (Debian packages) when missing, then
## gofmt check, go vet, and every test with the race detector (tools/test)
test:
	bash tools/test

fmt-check:
	@out="$$(gofmt -l $$(find . -name '*.go' -not -path '*/testdata/*'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race ./...

## bench: every benchmark once for BENCHTIME, with allocations, no tests
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

## fuzz: every Fuzz target, one after another, for FUZZTIME each
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

## simulate: the mail-reader simulator (internal/readersim) against Dovecot,
## SEEDS seeds of SIMTIME each; `go test` runs one seed for 10 s
simulate:
	$(GO) test -count=1 -timeout 0 -run '^TestSimulate$$' -v ./internal/readersim \
		-readersim.seeds=$(SEEDS) -readersim.duration=$(SIMTIME)

## faults: FAULT_RUNS full syncs against Dovecot through a proxy that cuts,
## stalls or throttles each run, then checks nothing was lost or duplicated
## (go test runs a few; FAULT_SEED replays a sequence)
FAULT_RUNS ?= 100
faults:
	IMAPDIR_FAULT_RUNS=$(FAULT_RUNS) $(if $(FAULT_SEED),IMAPDIR_FAULT_SEED=$(FAULT_SEED)) \
		$(GO) test -count=1 -timeout 60m -run '^TestFaultySyncsConverge$$' -v ./cmd/imapdir/
## watch-bench: imapdir watch's latency, p50/p99 over 50 events each (docs/BENCHMARKS.md)
watch-bench:
	$(GO) test -run '^$$' -bench WatchLatency -benchtime 1x ./internal/watch

## watch-idle-cost: CPU time and connections of 20 idle accounts × 10 mailboxes (IDLE_PERIOD, default 10m)
IDLE_PERIOD ?= 10m
watch-idle-cost:
	IMAPDIR_IDLE_COST=$(IDLE_PERIOD) $(GO) test -count=1 -timeout 0 -run '^TestIdleCost$$' -v ./internal/watch

## soak: imapdir watch under random changes on both sides for SOAK_PERIOD (default 30m); sides equal at the end, RSS and goroutines flat
SOAK_PERIOD ?= 30m
soak:
	IMAPDIR_SOAK=$(SOAK_PERIOD) $(GO) test -count=1 -timeout 0 -run '^TestSoak$$' -v ./internal/watch
