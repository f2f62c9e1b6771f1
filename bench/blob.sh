#!/usr/bin/env bash
# Throughput of the encrypted blob store against plain file operations on
# the same disk. Usage: bench/blob.sh [SIZE_MiB]   (default 1024: 1 GiB)
#
# In a temporary directory (under $TMPDIR, default /tmp; everything on one
# disk) it creates an incompressible source file, then times 3 runs each of
#   cp    `cp src dst && sync` (dst removed and synced before each run)
#   cat   `cat src > /dev/null`: the plain-file baseline for Open
#   Put   blob.Encrypted.Put from the source file, fsyncs included
#         (BenchmarkPut with SHENCHA_BENCH_SRC; the blob is deleted between
#         runs, untimed)
#   Open  reading that blob to the end, authenticated, decrypted and hashed
#         (BenchmarkOpen)
# and prints MB/s (10^6 bytes per second, as go test does) per run, the
# mean (total bytes / total time) and the best, with the ratios Put/cp and
# Open/cat. Reads come from the page cache, as they would for a hot file;
# only what sync and fsync write out reaches the disk. Peak RSS is not
# measured here.
set -euo pipefail
cd "$(dirname "$0")/.."

mib=${1:-1024}
[[ $mib =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SIZE_MiB]" >&2; exit 2; }
bytes=$((mib * 1024 * 1024))
runs=3

work=$(mktemp -d "${TMPDIR:-/tmp}/blobbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== $mib MiB in $work (on $(df -P "$work" | awk 'NR == 2 { print $1 }'))"

# Compile first, so that building is not timed and does not compete.
go test -c -o "$work/blob.test" ./internal/blob/

echo "== creating the source file"
head -c "$bytes" /dev/urandom >"$work/src"
sync

now() { date +%s.%N; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }

# time_runs NAME FUNCTION: runs FUNCTION $runs times, printing each run,
# and appends the run times in seconds to the array named NAME.
time_runs() {
	local name=$1 fn=$2 t0 t1 dt
	for i in $(seq "$runs"); do
		rm -f "$work/dst"
		sync
		t0=$(now)
		"$fn"
		t1=$(now)
		dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
		eval "$name+=($dt)"
		printf '   %-4s run %d: %6.3f s %8s MB/s\n' "$name" "$i" "$dt" "$(mbps "$dt")"
	done
}

# summary TIMES...: "mean best" MB/s of runs taking TIMES seconds.
summary() {
	printf '%s\n' "$@" | awk -v b="$bytes" '
		{ total += $1; if (min == "" || $1 < min) min = $1 }
		END { printf "%.1f %.1f\n", b * NR / total / 1e6, b / min / 1e6 }'
}

cp=() cat=() put=() open=()
copy() { cp "$work/src" "$work/dst" && sync; }
readsrc() { cat "$work/src" >/dev/null; }
echo "== cp src dst && sync"
time_runs cp copy
echo "== cat src > /dev/null"
time_runs cat readsrc
rm -f "$work/dst"
sync

echo "== go benchmarks, $runs runs each: Put from the source file, Open to the end"
out=$(cd "$work" && TMPDIR="$work" SHENCHA_BENCH_SRC="$work/src" \
	./blob.test -test.run '^$' -test.bench '^Benchmark(Put|Open)$' \
	-test.benchtime 1x -test.count "$runs")
while read -r name ns; do
	dt=$(awk -v ns="$ns" 'BEGIN { print ns / 1e9 }')
	case $name in
	BenchmarkPut*) put+=("$dt"); label=Put ;;
	BenchmarkOpen*) open+=("$dt"); label=Open ;;
	esac
	printf '   %-4s run: %6.3f s %8s MB/s\n' "$label" "$dt" "$(mbps "$dt")"
done < <(echo "$out" | awk '/^Benchmark(Put|Open)/ { print $1, $3 }')
[[ ${#put[@]} -eq $runs && ${#open[@]} -eq $runs ]] || { echo "$out" >&2; exit 1; }

read -r cp_mean cp_best < <(summary "${cp[@]}")
read -r cat_mean cat_best < <(summary "${cat[@]}")
read -r put_mean put_best < <(summary "${put[@]}")
read -r open_mean open_best < <(summary "${open[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
printf '%-26s %10s %10s\n' "MB/s ($mib MiB, $runs runs)" mean best
printf '%-26s %10s %10s\n' "cp src dst && sync" "$cp_mean" "$cp_best"
printf '%-26s %10s %10s\n' "cat src > /dev/null" "$cat_mean" "$cat_best"
printf '%-26s %10s %10s\n' "Put (encrypt + fsync)" "$put_mean" "$put_best"
printf '%-26s %10s %10s\n' "Open (decrypt + verify)" "$open_mean" "$open_best"
printf '%-26s %10s %10s\n' "ratio Put / cp" "$(ratio "$put_mean" "$cp_mean")" "$(ratio "$put_best" "$cp_best")"
printf '%-26s %10s %10s\n' "ratio Open / cat" "$(ratio "$open_mean" "$cat_mean")" "$(ratio "$open_best" "$cat_best")"
