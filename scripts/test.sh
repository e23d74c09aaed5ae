#!/usr/bin/env bash
# Runs every Heliograph test on a fresh machine. It installs what is missing (Node.js from
# Debian when absent, the pinned npm packages of test/node and test/browser), then runs
# go vet, the race-enabled tests of every module, short fuzzing of the decoders and parsers,
# the official Node client against a real server, the dashboard in headless Chromium (Debian's
# chromium package, installed when missing), and a one-iteration smoke run of the benchmarks.
# Set FUZZEXECS (default 200000) to fuzz longer. The fuzz budget is a count of inputs, not a
# duration: with a duration, Go 1.26.8's fuzzing coordinator failed FuzzDecode on a busy
# machine with "context deadline exceeded" as the time ran out, although no input had failed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzzexecs=${FUZZEXECS:-200000}

step() { printf '\n==> %s\n' "$*"; }

install_debian() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing $*: install it (Debian: apt-get install $*) or run as root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

step "checking tools"
command -v go >/dev/null || { echo "go is required: https://go.dev/doc/install" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || install_debian nodejs npm
command -v chromium >/dev/null || install_debian chromium
go version
node --version
chromium --version

step "installing pinned Node packages (test/node, test/browser)"
(cd test/node && npm ci --no-audit --no-fund --loglevel=error)
(cd test/browser && npm ci --no-audit --no-fund --loglevel=error)

step "go vet"
go vet ./...
(cd sdk && go vet ./...)
(cd sdk/bench && go vet ./...)

step "server module tests (race detector)"
HELIOGRAPH_REQUIRE_NODE=1 HELIOGRAPH_REQUIRE_BROWSER=1 go test -race -count=1 -timeout 30m ./...

step "SDK module tests (race detector)"
(cd sdk && go test -race -count=1 ./...)

step "fuzzing $fuzzexecs inputs each"
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime "${fuzzexecs}x" ./internal/record
go test -run '^$' -fuzz '^FuzzDecodeStream$' -fuzztime "${fuzzexecs}x" ./internal/record
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime "${fuzzexecs}x" ./internal/query
go test -run '^$' -fuzz '^FuzzParseHeliconeFilter$' -fuzztime "${fuzzexecs}x" ./internal/query

step "benchmark smoke run (one iteration each; figures are in BENCHMARKS.md)"
bench_out=$(mktemp)
go test -run '^$' -bench . -benchtime 1x ./... >"$bench_out" 2>&1 || { cat "$bench_out"; exit 1; }
(cd sdk/bench && go test -run '^$' -bench . -benchtime 1x ./...) >"$bench_out" 2>&1 ||
	{ cat "$bench_out"; exit 1; }
rm -f "$bench_out"

step "all tests passed"
