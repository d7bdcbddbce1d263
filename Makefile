GO ?= go
# The elementwise loops of package vec run as AVX2 vector code in GOEXPERIMENT=simd builds
# (Go 1.26's simd/archsimd), with the same bits as their plain-Go form.
GOEXPERIMENT ?= simd
export GOEXPERIMENT

.PHONY: deps build test fuzz run bench bench-ref

# The core's matrix products run in OpenBLAS (Debian's libopenblas-dev), through cgo; the
# HTML report's browser test renders pages in headless Chromium.
deps:
	@dpkg -s libopenblas-dev python3-numpy chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libopenblas-dev python3-numpy chromium; }

build: deps
	$(GO) build -o sweep ./cmd/sweep

# Tests: vet (with and without the vector loops), the unit and golden tests, the smoke sweep
# checked against its baseline, then every fuzz target for 10 seconds. The smoke sweep runs
# on the pure-Go build: OpenBLAS picks its kernels per processor, so its bits differ between
# machines, while pure Go computes the same bits on every amd64 machine, vector loops or
# not, and the baseline holds them exactly.
test: build
	$(GO) vet ./...
	GOEXPERIMENT= $(GO) vet ./... && GOEXPERIMENT= $(GO) test -count=1 ./vec ./ops
	SWEEP_REQUIRE_NUMPY=1 SWEEP_REQUIRE_CHROMIUM=1 $(GO) test -race -count=1 ./...
	rm -rf .ci-tmp && $(GO) build -tags purego -o .ci-tmp/sweep-purego ./cmd/sweep
	.ci-tmp/sweep-purego run --db .ci-tmp/ci.db --runs-dir .ci-tmp/runs --devices cpu:2 experiments/smoke.toml
	.ci-tmp/sweep-purego check --baseline .ci/baseline-smoke.toml --db .ci-tmp/ci.db --sweep smoke
	FUZZTIME=10s scripts/fuzz

# Every fuzz target for FUZZTIME each (default 10s).
fuzz: deps
	scripts/fuzz

# The ablation (paper Table 3) on the built-in data, then its report.
run: build
	./sweep run --devices cpu:2 experiments/ablation.toml
	./sweep report --format md --sweep ablation

# Speed and memory: Go benchmarks, then sweep bench at the reference configurations.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./core ./ops ./linalg
	for c in "64 global 4" "64 cut 4" "128 global 3" "256 global 2"; do set -- $$c; echo "crop $$1 $$2:"; ./sweep bench --crop $$1 --mode $$2 --iters $$3 2>&1 | grep -v "^iter "; done

# The PyTorch reference (Debian's python3-torch) and sweep side by side, with ratios.
bench-ref: build
	@dpkg -s python3-torch libopenblas0 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-torch libopenblas0 bc; }
	scripts/bench-ref
