// Renders Qwen2-VL and Qwen2-Audio conversations with their chat templates through @huggingface/jinja, tokenises them
// with tokenizers.js, expands the media placeholders as the HF processors do, and computes the M-RoPE position ids with
// an independent port of HF transformers 4.x `get_rope_index` (qwen-inputs.md §2.2, §2.3, §3.1). Writes the prompts,
// ids and positions the C# engine must reproduce. Nothing here shares code with the SDK.
// Usage: npm install && node generate.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";

const root = new URL("../../", import.meta.url);
const templates = {
  "qwen2-vl": new Template(readFileSync(new URL("models/templates/qwen2-vl.jinja", root), "utf8")),
  "qwen2-audio": new Template(readFileSync(new URL("models/templates/qwen2-audio.jinja", root), "utf8")),
  "qwen2.5-vl": new Template(readFileSync(new URL("models/templates/qwen2.5-vl.jinja", root), "utf8")),
};

// The repository's vendored Qwen3 vocabulary; Qwen2-Audio gives ids 151646–151648 audio meanings (qwen-inputs.md §2.1).
const audioRenames = { "<|object_ref_start|>": "<|AUDIO|>", "<|object_ref_end|>": "<|audio_bos|>", "<|box_start|>": "<|audio_eos|>" };
function tokenizer(renames) {
  const folder = new URL("models/tokenizers/qwen3/", root);
  const json = JSON.parse(gunzipSync(readFileSync(new URL("tokenizer.json.gz", folder))).toString("utf8"));
  const config = JSON.parse(readFileSync(new URL("tokenizer_config.json", folder), "utf8"));
  for (const token of json.added_tokens) token.content = renames[token.content] ?? token.content;
  for (const token of Object.values(config.added_tokens_decoder ?? {})) token.content = renames[token.content] ?? token.content;
  return new Tokenizer(json, config);
}
const tokenizers = { "qwen2-vl": tokenizer({}), "qwen2.5-vl": tokenizer({}), "qwen2-audio": tokenizer(audioRenames) };

const IMAGE_PAD = 151655, VIDEO_PAD = 151656, VISION_START = 151652, AUDIO_PAD = 151646;
const MERGE = 2, TEMPORAL_PATCH = 2, TOKENS_PER_SECOND = 2;

// Grids of the C# test images after smart_resize (factor 28, min_pixels 3136): 97×61 → 84×56 → 6×4 patches;
// 150×90 → 140×84 → 10×6 patches; the 84×56 video frames likewise 6×4, two frames per temporal patch.
const gridOf = { "rgb-97x61.png": [1, 4, 6], "rgba-150x90.png": [1, 6, 10] };
const videoGrid = (frames) => [Math.ceil(frames.length / TEMPORAL_PATCH), 4, 6];

// HF WhisperFeatureExtractor mask: one mel frame per 160 samples; then Qwen2-Audio's two stride-2 reductions (§2.3).
function audioTokens(samples) {
  const frames = Math.ceil(samples / 160);
  const afterConv = Math.floor((frames - 1) / 2) + 1;
  return Math.floor((afterConv - 2) / 2) + 1;
}

// Media items in order of appearance, with their pad token and token count.
function media(messages) {
  const items = [];
  for (const m of messages) {
    if (typeof m.content === "string") continue;
    for (const c of m.content) {
      if (c.type === "image") items.push({ pad: IMAGE_PAD, grid: gridOf[c.image], seconds: 0 });
      if (c.type === "video") items.push({ pad: VIDEO_PAD, grid: videoGrid(c.video), seconds: TEMPORAL_PATCH / c.fps });
      if (c.type === "audio") items.push({ pad: AUDIO_PAD, count: audioTokens(c.samples) });
    }
  }
  for (const item of items) if (item.grid) item.count = (item.grid[0] * item.grid[1] * item.grid[2]) / (MERGE * MERGE);
  return items;
}

// HF processors: the k-th placeholder pad becomes count_k pads.
function expand(ids, items) {
  const queues = new Map();
  for (const item of items) (queues.get(item.pad) ?? queues.set(item.pad, []).get(item.pad)).push(item.count);
  return ids.flatMap((id) => (queues.has(id) ? Array(queues.get(id).shift()).fill(id) : [id]));
}

// HF 4.x get_rope_index for one unpadded sequence; Qwen2.5-VL scales the video t index by seconds per grid × tokens
// per second, multiplied as floats and truncated (HF 4.49's original `.long()`).
function ropeIndex(ids, items, timeScaling) {
  const visual = items.filter((i) => i.grid);
  const rows = [[], [], []];
  const push = (t, h, w) => { rows[0].push(t); rows[1].push(h); rows[2].push(w); };
  let next = 0, st = 0, index = 0;
  const blocks = ids.filter((id, i) => i > 0 && ids[i - 1] === VISION_START && (id === IMAGE_PAD || id === VIDEO_PAD)).length;
  for (let b = 0; b < blocks; b++) {
    const item = visual[index++];
    const ed = ids.indexOf(item.pad, st);
    for (let k = 0; k < ed - st; k++) push(next + k, next + k, next + k);
    const base = next + ed - st;
    const [gt, gh, gw] = [item.grid[0], item.grid[1] / MERGE, item.grid[2] / MERGE];
    let largest = base;
    for (let n = 0; n < gt * gh * gw; n++) {
      const ti = Math.floor(n / (gh * gw)), hi = Math.floor(n / gw) % gh, wi = n % gw;
      const t = timeScaling && item.seconds > 0 ? Math.trunc(ti * item.seconds * TOKENS_PER_SECOND) : ti;
      push(base + t, base + hi, base + wi);
      largest = Math.max(largest, base + t, base + hi, base + wi);
    }
    next = largest + 1;
    st = ed + gt * gh * gw;
  }
  for (let k = 0; k < ids.length - st; k++) push(next + k, next + k, next + k);
  const max = Math.max(...rows.flat());
  return { positions: rows, ropeDelta: max + 1 - ids.length };
}

const text = (t) => ({ type: "text", text: t });
const image = (file) => ({ type: "image", image: file });
// The C# tests bound video frames to 3136–8000 pixels (the 84×56 frames keep their size) and synthesise audio as a
// 0.3-amplitude sine of the given frequency at 16 kHz.
const video = (frames, fps) => ({ type: "video", video: frames, fps, minPixels: 3136, maxPixels: 8000 });
const audio = (samples, frequency) => ({ type: "audio", samples, frequency });
const frames = (n) => Array.from({ length: n }, (_, i) => `video-frame-${i % 3}.png`);

// OpenAI-style function entries (key order as the wire format gives them) and earlier calls, for the tool branches.
const weather = { type: "function", function: { name: "get_weather", description: "Weather for a city — today or later.", parameters: { type: "object", properties: { city: { type: "string", description: "e.g. \"Zürich\"\n(no country)" }, days: { type: "integer", minimum: 1, maximum: 7 } }, required: ["city"], additionalProperties: false } } };
const clock = { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } };
const call = (name, args) => ({ type: "function", function: { name, arguments: args } });

const cases = [
  { name: "spec: one 224-pixel image", template: "qwen2-vl", model: "qwen2_vl", specOnly: true, messages: [{ role: "user", content: [{ type: "image", image: "cat.png" }, text("Describe this image.")] }] },
  { name: "one image", template: "qwen2-vl", model: "qwen2_vl", messages: [{ role: "user", content: [image("rgb-97x61.png"), text("What is this?")] }] },
  { name: "one image with a system prompt", template: "qwen2-vl", model: "qwen2_vl", messages: [{ role: "system", content: [text("Be brief.")] }, { role: "user", content: [image("rgb-97x61.png"), text("What is this?")] }] },
  { name: "two images with text between", template: "qwen2-vl", model: "qwen2_vl", messages: [{ role: "user", content: [image("rgb-97x61.png"), text("versus"), image("rgba-150x90.png"), text("Compare.")] }] },
  {
    name: "multi-turn with an image in each user turn", template: "qwen2-vl", model: "qwen2_vl",
    messages: [
      { role: "user", content: [image("rgba-150x90.png"), text("What is this?")] },
      { role: "assistant", content: [text("A picture.")] },
      { role: "user", content: [text("And this one?"), image("rgb-97x61.png")] },
    ],
  },
  { name: "a video on Qwen2-VL", template: "qwen2-vl", model: "qwen2_vl", messages: [{ role: "user", content: [video(frames(3), 2), text("What happens?")] }] },
  { name: "a video then an image on Qwen2-VL", template: "qwen2-vl", model: "qwen2_vl", messages: [{ role: "user", content: [video(frames(3), 2), text("and"), image("rgb-97x61.png"), text("?")] }] },
  { name: "a video on Qwen2.5-VL at 2 fps (1 s per grid)", template: "qwen2.5-vl", model: "qwen2_5_vl", messages: [{ role: "user", content: [video(frames(4), 2), text("What happens?")] }] },
  { name: "a video on Qwen2.5-VL at 4 fps (0.5 s per grid)", template: "qwen2.5-vl", model: "qwen2_5_vl", messages: [{ role: "user", content: [video(frames(4), 4), text("What happens?")] }] },
  { name: "a video on Qwen2.5-VL at 1 fps (2 s per grid) after an image", template: "qwen2.5-vl", model: "qwen2_5_vl", messages: [{ role: "user", content: [image("rgb-97x61.png"), video(frames(4), 1), text("Same scene?")] }] },
  { name: "tools with an image on Qwen2.5-VL", template: "qwen2.5-vl", model: "qwen2_5_vl", tools: [weather, clock], messages: [{ role: "user", content: [image("rgb-97x61.png"), text("Where is this, and what is the weather there?")] }] },
  {
    name: "tools, a system prompt, two earlier calls and their results on Qwen2.5-VL", template: "qwen2.5-vl", model: "qwen2_5_vl", tools: [weather],
    messages: [
      { role: "system", content: [text("Be brief.")] },
      { role: "user", content: [image("rgba-150x90.png"), text("Weather in both cities?")] },
      { role: "assistant", content: [], tool_calls: [call("get_weather", { city: "Zürich", days: 2 }), call("get_weather", { city: "Oslo \"N\"" })] },
      { role: "tool", content: [text("{\"temp\": 3}")] },
      { role: "tool", content: [text("sunny")] },
      { role: "assistant", content: [text("Cold, then sunny.")] },
      { role: "user", content: [text("And tomorrow?")] },
    ],
  },
  {
    name: "an earlier call and its result without tools on Qwen2.5-VL", template: "qwen2.5-vl", model: "qwen2_5_vl",
    messages: [
      { role: "user", content: [text("Time?")] },
      { role: "assistant", content: [text("Let me check.")], tool_calls: [call("now", {})] },
      { role: "tool", content: [text("09:30")] },
    ],
  },
  { name: "one audio clip", template: "qwen2-audio", model: "qwen2_audio", messages: [{ role: "user", content: [audio(24000, 300), text("What is said?")] }] },
  {
    name: "two audio clips numbered across turns, with a system prompt", template: "qwen2-audio", model: "qwen2_audio",
    messages: [
      { role: "system", content: [text("Be brief.")] },
      { role: "user", content: [audio(16000, 300), text("First.")] },
      { role: "assistant", content: [text("A tone.")] },
      { role: "user", content: [audio(24000, 3000), text("And now?")] },
    ],
  },
];

function build(c) {
  const prompt = templates[c.template].render({ messages: c.messages, tools: c.tools, add_generation_prompt: true });
  const items = c.specOnly ? [{ pad: IMAGE_PAD, grid: [1, 16, 16], seconds: 0, count: 64 }] : media(c.messages);
  const ids = expand(tokenizers[c.template].encode(prompt, { add_special_tokens: false }).ids, items);
  const { positions, ropeDelta } = c.template === "qwen2-audio"
    ? { positions: [ids.map((_, i) => i)], ropeDelta: 0 }
    : ropeIndex(ids, items, c.model === "qwen2_5_vl");
  return { name: c.name, template: c.template, model: c.model, messages: c.messages, tools: c.tools ?? [], prompt, mediaTokens: items.map((i) => i.count), inputIds: ids, ropeDelta, positions };
}

const golden = cases.map(build);

// Self-check against the spec's verified vectors (§2.2 prompt and 89 ids, §3.1 rope delta −56) before writing anything.
const spec = golden[0];
const specIds = [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, 151652, ...Array(64).fill(151655), 151653, 74785, 419, 2168, 13, 151645, 198, 151644, 77091, 198];
const check = (ok, what) => { if (!ok) throw new Error(`spec vector mismatch: ${what}`); };
check(spec.prompt === "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe this image.<|im_end|>\n<|im_start|>assistant\n", "prompt");
check(JSON.stringify(spec.inputIds) === JSON.stringify(specIds), "ids");
check(spec.ropeDelta === -56 && spec.positions[1][15 + 63] === 22 && spec.positions[0][88] === 32, "positions");

const line = (c) => " " + JSON.stringify(c);
writeFileSync(new URL("tests/Qwen.Onnx.Multimodal.Tests/TestData/prompt-golden.json", root), "[\n" + golden.map(line).join(",\n") + "\n]\n");
console.log(`wrote ${golden.length} cases`);
