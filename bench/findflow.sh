#!/bin/sh
# Finding one flow in a big log folder: `logcrest show ID` against
# `grep -rhF ID <dir> | jq -s 'sort_by(.seq)'`, and `logcrest stats` over the
# whole folder, with wall time and peak RSS.
#
#   bench/findflow.sh [SIZE] [DIR]
#
# SIZE is how much LogCrest writes first (default 1G; 200M for a quick
# run); DIR the folder (default a new temporary one; an existing folder
# with a .gen file beside it, from an earlier run, is reused). The logs are
# written by LogCrest itself through the net/http adapter
# (cmd/logcrest/internal/gen), rotated at 32 MiB, every backup kept
# uncompressed so that grep reads what logcrest reads. Timings are warm
# page cache: hyperfine (3 runs after a warm-up) when installed, else the
# median of 3 runs of GNU /usr/bin/time (else the shell's time, without
# RSS); peak RSS from /usr/bin/time.
#
# COMPRESS=1 gzips the backups as they rotate (SIZE is then what is on
# disk, about 15 times more records) and compares against zgrep.
set -eu

SIZE=${1:-1G}
DIR=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "$DIR" ]; then
	DIR=$WORK/logs
fi

echo "building logcrest and the generator"
(cd "$ROOT" && go build -o "$WORK/logcrest" ./cmd/logcrest && go build -o "$WORK/gen" ./cmd/logcrest/internal/gen)

if [ -f "$DIR.gen" ] && [ -d "$DIR/flows" ]; then
	echo "reusing $DIR"
else
	echo "writing $SIZE of logs with LogCrest into $DIR"
	if [ "${COMPRESS:-}" = 1 ]; then
		"$WORK/gen" -dir "$DIR" -size "$SIZE" -compress >"$DIR.gen"
	else
		"$WORK/gen" -dir "$DIR" -size "$SIZE" >"$DIR.gen"
	fi
fi
ID=$(sed -n 's/^flow_id=//p' "$DIR.gen")
sed 's/^/  /' "$DIR.gen"
echo "  files: $(find "$DIR" -type f | wc -l), on disk: $(du -sh "$DIR" | cut -f1)"
echo

LC=$WORK/logcrest
SHOW="$LC show $ID --dir $DIR --color never"
GREP="grep -rhF $ID $DIR | jq -s 'sort_by(.seq)'"
GREPNAME="grep -rhF ID | jq -s 'sort_by(.seq)':"
if find "$DIR" -name '*.gz' | grep -q .; then
	GREP="zgrep -hF $ID $DIR/*/* | jq -s 'sort_by(.seq)'"
	GREPNAME="zgrep -hF ID | jq -s 'sort_by(.seq)':"
fi
STATS="$LC stats --dir $DIR --color never"
FAILED="$LC flows --failed --dir $DIR --color never"

# Same answer? Both must find every record of the flow.
n1=$(sh -c "$SHOW" | grep -c ' seq=' || true)
n2=$(sh -c "$GREP" | jq length)
echo "records of $ID: logcrest show $n1, grep|jq $n2"
echo

# peak CMD: wall seconds (median of 3 runs), the CPU seconds (user + sys)
# and peak RSS (MiB) of that run of sh -c CMD.
peak() {
	if /usr/bin/time -f '%e %M' -o "$WORK/probe" true 2>/dev/null; then # GNU time
		for i in 1 2 3; do
			/usr/bin/time -f '%e %M %U %S' -o "$WORK/t$i" sh -c "$1" >/dev/null 2>&1
		done
		cat "$WORK/t1" "$WORK/t2" "$WORK/t3" | sort -n | sed -n 2p |
			awk '{ printf "%6.2f s wall  %6.2f s cpu  %7.1f MiB peak RSS\n", $1, $3 + $4, $2 / 1024 }'
	else
		for i in 1 2 3; do
			( time -p sh -c "$1" >/dev/null 2>&1 ) 2>&1 | sed -n 's/^real /  real /p'
		done
	fi
}

sh -c "$SHOW" >/dev/null 2>&1 # warm the page cache
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine --warmup 1 --runs 3 -N "$SHOW" || hyperfine --warmup 1 --runs 3 "$SHOW"
	hyperfine --warmup 1 --runs 3 "$GREP"
	hyperfine --warmup 1 --runs 3 -N "$STATS" || hyperfine --warmup 1 --runs 3 "$STATS"
	echo
fi
printf '%-40s ' "logcrest show ID:"
peak "$SHOW"
printf '%-40s ' "$GREPNAME"
peak "$GREP"
printf '%-40s ' "logcrest stats:"
peak "$STATS"
printf '%-40s ' "logcrest flows --failed:"
peak "$FAILED"
echo
sh -c "$STATS"
