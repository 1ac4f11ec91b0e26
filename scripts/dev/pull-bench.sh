#!/usr/bin/env bash
# Dev-only benchmark: `qwen-onnx pull` against the fake Hub on loopback vs plain curl of the same files (one at a
# time, and 4 at once with curl -Z). A tiny text export plus two large random external-data files.
# Usage: scripts/dev/pull-bench.sh [MB of the larger data file, default 300] [rounds, default 3]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
size_mb="${1:-300}"
rounds="${2:-3}"
work="$(mktemp -d)"
trap 'exec 3>&-; rm -rf "$work"' EXIT

dotnet build "$root/tests/Qwen.Onnx.FakeHub" -c Release --nologo -v q >/dev/null
dotnet build "$root/samples/Qwen.Onnx.Cli" -c Release --nologo -v q >/dev/null
cli="$root/samples/Qwen.Onnx.Cli/bin/Release/net10.0/qwen-onnx"

repo="$work/repo"
"$cli" models make-tiny --kind text-onnx --out "$repo" >/dev/null
head -c "$((size_mb << 20))" /dev/urandom >"$repo/onnx/model.onnx_data"
head -c "$((size_mb * 2 / 3 << 20))" /dev/urandom >"$repo/onnx/model.onnx_data_1"
total=$(find "$repo" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')

# The fake Hub runs until its stdin closes (fd 3 below).
mkfifo "$work/in"
dotnet "$root/tests/Qwen.Onnx.FakeHub/bin/Release/net10.0/Qwen.Onnx.FakeHub.dll" "bench/big=$repo" <"$work/in" >"$work/hub.out" &
exec 3>"$work/in"
for _ in $(seq 50); do [ -s "$work/hub.out" ] && break; sleep 0.2; done
endpoint="$(head -1 "$work/hub.out")"
mapfile -t files < <(cd "$repo" && find . -type f | sed 's|^\./||' | sort)

now() { date +%s.%N; }
rate() { awk -v b="$total" -v s="$1" 'BEGIN {printf "%.0f", b / s / 1e6}'; }
echo "files: ${#files[@]}, $((total >> 20)) MiB; endpoint $endpoint; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  rm -rf "$work/curl" "$work/cache"; mkdir -p "$work/curl/onnx"
  t0=$(now); for f in "${files[@]}"; do curl -sfL -o "$work/curl/$f" "$endpoint/bench/big/resolve/main/$f"; done; t1=$(now)
  rm -rf "$work/curl"; mkdir -p "$work/curl/onnx"
  args=(); for f in "${files[@]}"; do args+=(-o "$work/curl/$f" "$endpoint/bench/big/resolve/main/$f"); done
  t2=$(now); curl -sfL -Z --parallel-max 4 "${args[@]}"; t3=$(now)
  t4=$(now); HF_ENDPOINT="$endpoint" "$cli" pull bench/big --cache-dir "$work/cache" 2>"$work/pull.err" >/dev/null; t5=$(now)
  curl_seq=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  curl_par=$(awk -v a="$t2" -v b="$t3" 'BEGIN {print b - a}')
  pull=$(awk -v a="$t4" -v b="$t5" 'BEGIN {print b - a}')
  echo "round $round: curl one-by-one $(rate "$curl_seq") MB/s, curl -Z x4 $(rate "$curl_par") MB/s, qwen-onnx pull $(rate "$pull") MB/s (process start included; pull's own line: $(tail -1 "$work/pull.err"))"
done
