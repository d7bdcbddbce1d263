GO ?= go

.PHONY: deps build test run bench

# The core's matrix products run in OpenBLAS (Debian's libopenblas-dev), through cgo.
deps:
	@dpkg -s libopenblas-dev >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libopenblas-dev; }

build: deps
	$(GO) build -o sweep ./cmd/sweep

# Tests: vet, the unit and golden tests, then the smoke sweep checked against its baseline.
test: build
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	rm -rf .ci-tmp && ./sweep run --db .ci-tmp/ci.db --runs-dir .ci-tmp/runs --devices cpu:2 experiments/smoke.toml
	./sweep check --baseline .ci/baseline-smoke.toml --db .ci-tmp/ci.db --sweep smoke

# The ablation (paper Table 3) on the built-in data, then its report.
run: build
	./sweep run --devices cpu:2 experiments/ablation.toml
	./sweep report --format md --sweep ablation

bench:
	$(GO) test -run XXX -bench . ./core ./metrics
