# imapdir developer targets. `make test` is what CI runs (.ci/run).
GO       ?= go
FUZZTIME ?= 1m
BENCHTIME ?= 1s

.PHONY: test fmt-check vet race bench fuzz

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
