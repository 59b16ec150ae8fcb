#!/usr/bin/env bash
# Runs every benchmark of the bench module and regenerates RESULTS.md.
#
#   ./run.sh                                         the full run (about 12 minutes on 2 cores)
#   COUNT=1 HEAVY_COUNT=1 SERVER_COUNT=1 ./run.sh    a quick pass
#
# COUNT           -count of the micro-benchmarks: log call, step, HTTP (default 6)
# HEAVY_COUNT     -count of persistence and stall, one round each (default 3)
# BENCHTIME       -benchtime of the micro-benchmarks (default 1s)
# SERVER_COUNT    runs of the server under load (default 3)
# SERVER_REQUESTS requests per variant and run (default 60000, 2-5 s each on 2 cores)
# BENCH_SERVER_CONNS  the server benchmark's connections (default 32)
# Raw output goes to out/ (gitignored), with benchstat's summary when
# benchstat is installed (go install golang.org/x/perf/cmd/benchstat@latest).
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
HEAVY_COUNT=${HEAVY_COUNT:-3}
BENCHTIME=${BENCHTIME:-1s}
SERVER_COUNT=${SERVER_COUNT:-3}
SERVER_REQUESTS=${SERVER_REQUESTS:-60000}
export BENCH_SERVER_CONNS=${BENCH_SERVER_CONNS:-32}

mkdir -p out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw="out/bench-$stamp.txt"

echo "== micro-benchmarks: -count $COUNT -benchtime $BENCHTIME" >&2
go test -run '^$' -bench '^Benchmark(LogCall|LogCallParallel|Slog|SlogParallel|Step|Flow|HTTP)$' \
	-benchmem -count "$COUNT" -benchtime "$BENCHTIME" -timeout 60m . | tee "$raw"

echo "== persistence and stall: -count $HEAVY_COUNT -benchtime 1x" >&2
go test -run '^$' -bench '^Benchmark(Persist|Stall)$' \
	-benchmem -count "$HEAVY_COUNT" -benchtime 1x -timeout 60m . | tee -a "$raw"

# One go test a run rather than -count: -count repeats each variant in a
# row, on the same server process; separate runs interleave the variants
# (and start fresh servers), so that a drift of the machine hits them all.
echo "== server under load: $SERVER_COUNT runs of ${SERVER_REQUESTS} requests, $BENCH_SERVER_CONNS connections" >&2
for _ in $(seq "$SERVER_COUNT"); do
	go test -run '^$' -bench '^BenchmarkServer$' \
		-count 1 -benchtime "${SERVER_REQUESTS}x" -timeout 30m . | tee -a "$raw"
done

cp "$raw" out/latest.txt

cmd="cd bench && COUNT=$COUNT HEAVY_COUNT=$HEAVY_COUNT BENCHTIME=$BENCHTIME SERVER_COUNT=$SERVER_COUNT SERVER_REQUESTS=$SERVER_REQUESTS BENCH_SERVER_CONNS=$BENCH_SERVER_CONNS ./run.sh"
go run ./cmd/results -in "$raw" -out RESULTS.md \
	-nproc "$(nproc)" -go "$(go version)" -command "$cmd" -server-conns "$BENCH_SERVER_CONNS" \
	-counts "-count $COUNT -benchtime $BENCHTIME (micro), -count $HEAVY_COUNT -benchtime 1x (persistence, stall), $SERVER_COUNT × -benchtime ${SERVER_REQUESTS}x (server)"
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
