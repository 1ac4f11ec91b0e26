#!/usr/bin/env bash
# The project's one test command (README, .ci/run): every NUnit suite in Release, then the packages packed and
# installed into a fresh app. Prints "N passed, M failed" as its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# The chat page tests (Qwen.Onnx.Server.Tests) drive Debian's Chromium; a fresh machine does not have it yet.
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

status=0
dotnet test Qwen.Onnx.sln -c Release --nologo 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

if [ "$status" -eq 0 ]; then
  if scripts/verify-packages.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi

echo "$passed passed, $failed failed"
exit "$status"
