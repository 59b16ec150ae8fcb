#!/usr/bin/env bash
# Runs every benchmark of the bench module and regenerates RESULTS.md.
#
#   ./run.sh                          the full run (about 10 minutes on 2 cores)
#   COUNT=1 HEAVY_COUNT=1 ./run.sh    a quick pass
#
# COUNT       -count of the micro-benchmarks: log call, step, HTTP (default 6)
# HEAVY_COUNT -count of persistence and stall, one round each (default 3)
# BENCHTIME   -benchtime of the micro-benchmarks (default 1s)
# Raw output goes to out/ (gitignored), with benchstat's summary when
# benchstat is installed (go install golang.org/x/perf/cmd/benchstat@latest).
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
HEAVY_COUNT=${HEAVY_COUNT:-3}
BENCHTIME=${BENCHTIME:-1s}

mkdir -p out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw="out/bench-$stamp.txt"

echo "== micro-benchmarks: -count $COUNT -benchtime $BENCHTIME" >&2
go test -run '^$' -bench '^Benchmark(LogCall|LogCallParallel|Slog|SlogParallel|Step|Flow|HTTP)$' \
	-benchmem -count "$COUNT" -benchtime "$BENCHTIME" -timeout 60m . | tee "$raw"

echo "== persistence and stall: -count $HEAVY_COUNT -benchtime 1x" >&2
go test -run '^$' -bench '^Benchmark(Persist|Stall)$' \
	-benchmem -count "$HEAVY_COUNT" -benchtime 1x -timeout 60m . | tee -a "$raw"

cp "$raw" out/latest.txt

cmd="cd bench && COUNT=$COUNT HEAVY_COUNT=$HEAVY_COUNT BENCHTIME=$BENCHTIME ./run.sh"
go run ./cmd/results -in "$raw" -out RESULTS.md \
	-nproc "$(nproc)" -go "$(go version)" -command "$cmd" \
	-counts "-count $COUNT -benchtime $BENCHTIME (micro), -count $HEAVY_COUNT -benchtime 1x (persistence, stall)"
echo "== wrote RESULTS.md from $raw" >&2

benchstat=$(command -v benchstat || true)
if [ -z "$benchstat" ] && [ -x "$(go env GOPATH)/bin/benchstat" ]; then
	benchstat="$(go env GOPATH)/bin/benchstat"
fi
if [ -n "$benchstat" ]; then
	"$benchstat" "$raw" > "out/benchstat-$stamp.txt"
	cp "out/benchstat-$stamp.txt" out/benchstat.txt
	echo "== benchstat: out/benchstat-$stamp.txt" >&2
else
	echo "== benchstat not installed: go install golang.org/x/perf/cmd/benchstat@latest" >&2
fi
