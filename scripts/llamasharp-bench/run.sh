#!/usr/bin/env bash
# Qwen.Onnx against llama.cpp (LLamaSharp 0.30, CPU backend) on the same random weights at Qwen2.5-0.5B's shape:
# make-synthetic writes each model twice (onnx-community ONNX and GGUF) from one seed, then both engines generate
# greedily on the same prompt with the same thread count. Prints one markdown table (decode and prefill tokens/s,
# same run) and, on stderr, the same-weights check of each precision. Dev tool: not part of Qwen.Onnx.sln or CI.
#
#   scripts/llamasharp-bench/run.sh [WORK_DIR]     env: THREADS (2), TOKENS (128), RUNS (3), PROMPT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${1:-${QWEN_ONNX_CACHE:-$HOME/.cache/qwen-onnx}/llamasharp-bench}"
threads="${THREADS:-2}" tokens="${TOKENS:-128}" runs="${RUNS:-3}"
prompt="${PROMPT:-Write a short story about a robot learning to paint.}"
mkdir -p "$work"

dotnet build "$repo/samples/Qwen.Onnx.Cli" -c Release -v q -nologo >&2
dotnet build "$here" -c Release -v q -nologo >&2
qwen() { dotnet "$repo/samples/Qwen.Onnx.Cli/bin/Release/net10.0/qwen-onnx.dll" "$@"; }
runner() { dotnet "$here/bin/Release/net10.0/llamasharp-bench.dll" "$@"; }

for precision in fp32 q4; do
  [ -d "$work/$precision/onnx" ] || qwen models make-synthetic --shape qwen2.5-0.5b --precision "$precision" --layout onnx-community --out "$work/$precision" >&2
done
[ -f "$work/gguf/model-f32.gguf" ] || qwen models make-synthetic --shape qwen2.5-0.5b --precision fp32 --layout gguf --out "$work/gguf" >&2
[ -f "$work/gguf/model-q4_0.gguf" ] || qwen models make-synthetic --shape qwen2.5-0.5b --precision q4 --layout gguf --out "$work/gguf" >&2

# inspect prompt renders the default system turn; run gets it explicitly so its greedy ids continue the same ids.
mkdir -p "$work/prompt"
qwen inspect prompt -m "$work/fp32" -p "$prompt" --out "$work/prompt" > "$work/prompt/prompt.json"
system="You are a helpful assistant."

echo "| precision | engine | decode tok/s | prefill tok/s | prompt tokens |"
echo "| --- | --- | --- | --- | --- |"
compare() { # precision gguf-file onnx-file
  local p="$1" gguf="$2" onnx="$3"
  qwen run -m "$work/$p" -p "$prompt" --system "$system" --greedy --max-new-tokens "$tokens" --threads "$threads" --json > "$work/$p-run.json"
  local benches=()
  qwen bench -m "$work/$p" --prompt "$prompt" --max-new-tokens "$tokens" --runs "$runs" --threads "$threads" --json > "$work/$p-bench.json"
  benches+=(--ours-bench "Qwen.Onnx=$work/$p-bench.json")
  if [ "$p" = q4 ]; then
    qwen bench -m "$work/$p" --prompt "$prompt" --max-new-tokens "$tokens" --runs "$runs" --threads "$threads" --int8-matmul --json > "$work/$p-int8-bench.json"
    benches+=(--ours-bench "Qwen.Onnx --int8-matmul=$work/$p-int8-bench.json")
  fi
  runner --label "$p" --gguf "$work/gguf/$gguf" --onnx "$work/$p/onnx/$onnx" --ids "$work/prompt/input_ids.npy" \
    --prompt-json "$work/prompt/prompt.json" --ours-run "$work/$p-run.json" "${benches[@]}" \
    --threads "$threads" --max-new-tokens "$tokens" --runs "$runs" 2> "$work/$p-llama.log"
  grep "same-weights check" "$work/$p-llama.log" >&2
}
compare fp32 model-f32.gguf model.onnx
compare q4 model-q4_0.gguf model_q4.onnx
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $threads threads, $tokens new tokens, median of $runs runs" >&2
