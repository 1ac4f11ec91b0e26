// Encodes every case of the tokenizer corpus with Hugging Face's tokenizers.js (an independent implementation of
// the Rust `tokenizers` pipeline) and writes the expected ids that the C# tests compare against.
// Usage: npm install && node generate.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Tokenizer } from "@huggingface/tokenizers";

const root = new URL("../../", import.meta.url);
const vendored = new URL("models/tokenizers/qwen3/", root);
const tokenizerJson = JSON.parse(gunzipSync(readFileSync(new URL("tokenizer.json.gz", vendored))).toString("utf8"));
const tokenizerConfig = JSON.parse(readFileSync(new URL("tokenizer_config.json", vendored), "utf8"));
const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);

const dataDir = new URL("tests/Qwen.Onnx.Core.Tests/TestData/", root);
const corpus = JSON.parse(readFileSync(new URL("tokenizer-corpus.json", dataDir), "utf8"));
const golden = corpus.map(({ name, text }) => ({ name, text, ids: tokenizer.encode(text, { add_special_tokens: false }).ids }));
writeFileSync(new URL("tokenizer-golden.json", dataDir), "[\n" + golden.map((c) => " " + JSON.stringify(c)).join(",\n") + "\n]\n");
console.log(`wrote ${golden.length} cases`);
