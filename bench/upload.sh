#!/usr/bin/env bash
# End-to-end upload and download of one large file through `shencha serve`
# (demo data, SQLite, encrypted blob store), against `cp src dst && sync` of
# the same file on the same disk in the same run, and the server's peak RSS.
# Usage: bench/upload.sh [SIZE_MiB]   (default 1024: 1 GiB)
set -euo pipefail
cd "$(dirname "$0")/.."

mib=${1:-1024}
[[ $mib =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SIZE_MiB]" >&2; exit 2; }
bytes=$((mib * 1024 * 1024))
port=${PORT:-18089}
url=http://127.0.0.1:$port

work=$(mktemp -d "${TMPDIR:-/tmp}/uploadbench.XXXXXX")
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/shencha" ./cmd/shencha
head -c "$bytes" /dev/urandom >"$work/src"
sync

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mbps() { awk -v s="$1" -v b="$bytes" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }

t0=$(now); cp "$work/src" "$work/dst" && sync; t1=$(now)
cp_s=$(secs "$t0" "$t1"); rm -f "$work/dst"; sync

"$work/shencha" demo --data-dir "$work/data" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
hwm() { awk '/VmHWM/ { print $2 }' "/proc/$pid/status"; }
base=$(hwm)
token=$(curl -fs "$url/api/v1/login" -d '{"username":"lab1","password":"shencha-demo"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
digest=sha256:$(sha256sum "$work/src" | cut -d' ' -f1)

t0=$(now)
id=$(curl -fs -H "Authorization: Bearer $token" -H "X-Content-SHA256: $digest" -H 'Content-Type: application/octet-stream' \
	-X POST -T "$work/src" "$url/api/v1/cases/CSR-2026-0002/materials?filename=big.bin" | sed -E 's/.*"id":([0-9]+).*/\1/')
t1=$(now)
up_s=$(secs "$t0" "$t1")
peak=$(hwm)

t0=$(now)
curl -fs -H "Authorization: Bearer $token" "$url/api/v1/cases/CSR-2026-0002/materials/$id" -o "$work/back"
t1=$(now)
down_s=$(secs "$t0" "$t1")
cmp -s "$work/src" "$work/back" || { echo "downloaded file differs" >&2; exit 1; }

printf '%-28s %8s s %6s MB/s\n' "cp src dst && sync" "$cp_s" "$(mbps "$cp_s")"
printf '%-28s %8s s %6s MB/s  (%.0f%% of cp+sync)\n' "upload (HTTP, encrypt, fsync)" "$up_s" "$(mbps "$up_s")" "$(awk -v a="$cp_s" -v b="$up_s" 'BEGIN { print 100 * a / b }')"
printf '%-28s %8s s %6s MB/s  (%.0f%% of cp+sync)\n' "download (HTTP, decrypt)" "$down_s" "$(mbps "$down_s")" "$(awk -v a="$cp_s" -v b="$down_s" 'BEGIN { print 100 * a / b }')"
printf 'server peak RSS: %d MB after start, %d MB after the upload and download\n' $((base / 1024)) $(($(hwm) / 1024))
echo "(peak right after the upload: $((peak / 1024)) MB)"
