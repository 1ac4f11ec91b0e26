#!/usr/bin/env bash
# Packs every src/ project and proves the packages install and run in a fresh app restored from a local folder feed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="0.1.0-local.$(date +%Y%m%d%H%M%S)"
feed="$root/artifacts/packages"
rm -rf "$feed"
for project in "$root"/src/*/*.csproj; do
  dotnet pack "$project" -c Release -p:Version="$version" -o "$feed" --nologo -v quiet
done

for id in Qwen.Onnx.Core Qwen.Onnx.Constraints Qwen.Onnx.Runtime Qwen.Onnx.Text Qwen.Onnx.Vision Qwen.Onnx.Audio Qwen.Onnx.Multimodal Qwen.Onnx Qwen.Onnx.Extensions.AI Qwen.Onnx.Server Qwen.Onnx.Testing Qwen.Onnx.Hub; do
  package="$feed/$id.$version.nupkg"
  [ -f "$package" ] || { echo "missing package $package" >&2; exit 1; }
  # Each package carries its README, licence expression, repository and XML docs.
  nuspec="$(unzip -p "$package" "$id.nuspec")"
  for field in '<readme>README.md</readme>' '<license type="expression">Apache-2.0</license>' '<repository type="git"' '<description>'; do
    grep -q "$field" <<<"$nuspec" || { echo "$id: nuspec lacks $field" >&2; exit 1; }
  done
  listing="$(unzip -l "$package")"
  grep -q "lib/net10.0/$id.xml" <<<"$listing" || { echo "$id: no XML docs in the package" >&2; exit 1; }
done

app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
cp "$root/scripts/package-smoke/PackageSmoke.csproj" "$root/scripts/package-smoke/Program.cs" "$app/"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="qwen-onnx-local" value="$feed" />
  </packageSources>
</configuration>
XML
dotnet run --project "$app/PackageSmoke.csproj" -c Release -p:QwenOnnxVersion="$version" --nologo
