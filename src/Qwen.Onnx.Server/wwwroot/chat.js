// The Qwen.Onnx chat page: talks to this server's OpenAI-compatible API with fetch and streams the answer.
// Plain browser JavaScript, no dependencies, so it works offline and needs no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { models: [], history: [], attachments: [], controller: null, recorder: null };

function authHeaders() {
  const key = $("api-key").value.trim();
  return key ? { Authorization: "Bearer " + key } : {};
}

async function loadModels() {
  $("api-key").value = localStorage.getItem("qwen-onnx-api-key") || "";
  try {
    const response = await fetch("v1/models", { headers: authHeaders() });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    state.models = body.data;
    $("model").replaceChildren(...state.models.map((m) => new Option(`${m.id} (${m.input_modalities.join(", ")})`, m.id)));
    showModalities();
  } catch (e) {
    setStatus("Could not list the models: " + e.message);
  }
}

function currentModel() { return state.models.find((m) => m.id === $("model").value); }

function showModalities() {
  const model = currentModel();
  $("modalities").textContent = model ? `takes ${model.input_modalities.join(", ")} · context ${model.context_length ?? "?"} tokens` : "";
}

function setStatus(text) { $("status").textContent = text; }

function addBubble(role, text) {
  const bubble = document.createElement("div");
  bubble.className = "message " + role;
  const content = document.createElement("span");
  content.className = "content";
  content.textContent = text;
  bubble.append(content);
  $("conversation").append(bubble);
  bubble.scrollIntoView({ block: "end" });
  return bubble;
}

function readFile(file, asDataUrl) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    if (asDataUrl) reader.readAsDataURL(file); else reader.readAsArrayBuffer(file);
  });
}

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function attachImage(file) {
  const url = await readFile(file, true);
  state.attachments.push({ kind: "image", name: file.name || "pasted image", part: { type: "image_url", image_url: { url } }, preview: url });
  renderAttachments();
}

async function attachAudio(blob, name) {
  const format = /mpeg|mp3/.test(blob.type) || /\.mp3$/i.test(name) ? "mp3" : "wav";
  const data = base64(await readFile(blob, false));
  state.attachments.push({ kind: "audio", name, part: { type: "input_audio", input_audio: { data, format } }, preview: URL.createObjectURL(blob) });
  renderAttachments();
}

function renderAttachments() {
  $("attachments").replaceChildren(...state.attachments.map((a, i) => {
    const chip = document.createElement("span");
    chip.className = "attachment";
    chip.textContent = `${a.kind}: ${a.name}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.onclick = () => { state.attachments.splice(i, 1); renderAttachments(); };
    chip.append(remove);
    return chip;
  }));
}

// Microphone recording: raw samples from the audio graph, encoded here as 16-bit mono WAV.
async function toggleRecording() {
  if (state.recorder) {
    const { stream, context, processor, chunks } = state.recorder;
    processor.disconnect();
    stream.getTracks().forEach((t) => t.stop());
    await context.close();
    state.recorder = null;
    $("record").classList.remove("recording");
    $("record").textContent = "Record";
    await attachAudio(encodeWav(chunks, context.sampleRate), "recording.wav");
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const processor = context.createScriptProcessor(4096, 1, 1);
    const chunks = [];
    processor.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
    source.connect(processor);
    processor.connect(context.destination);
    state.recorder = { stream, context, processor, chunks };
    $("record").classList.add("recording");
    $("record").textContent = "Stop recording";
  } catch (e) {
    setStatus("Microphone unavailable: " + e.message);
  }
}

function encodeWav(chunks, sampleRate) {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const view = new DataView(new ArrayBuffer(44 + length * 2));
  const text = (offset, s) => { for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + length * 2, true); text(8, "WAVE");
  text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true); view.setUint32(28, sampleRate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, "data"); view.setUint32(40, length * 2, true);
  let offset = 44;
  for (const chunk of chunks) {
    for (const sample of chunk) {
      const s = Math.max(-1, Math.min(1, sample));
      view.setInt16(offset, s < 0 ? s * 0x8000 : s * 0x7fff, true);
      offset += 2;
    }
  }
  return new Blob([view], { type: "audio/wav" });
}

function userBubble(text, attachments) {
  const bubble = addBubble("user", text);
  for (const a of attachments) {
    const media = document.createElement(a.kind === "image" ? "img" : "audio");
    media.src = a.preview;
    if (a.kind === "audio") media.controls = true;
    bubble.append(media);
  }
}

async function send(event) {
  event.preventDefault();
  const text = $("prompt").value.trim();
  if (state.controller || (!text && state.attachments.length === 0)) return;
  const parts = state.attachments.map((a) => a.part);
  if (text) parts.unshift({ type: "text", text });
  userBubble(text, state.attachments);
  state.history.push({ role: "user", content: parts });
  state.attachments = [];
  renderAttachments();
  $("prompt").value = "";
  await stream();
}

async function stream() {
  const bubble = addBubble("assistant", "");
  const content = bubble.querySelector(".content");
  let reasoning = null;
  const controller = new AbortController();
  state.controller = controller;
  $("stop").disabled = false;
  $("send").disabled = true;
  const started = performance.now();
  let first = 0, last = 0, answer = "", usage = null;
  try {
    const response = await fetch("v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...authHeaders() },
      body: JSON.stringify(request()),
      signal: controller.signal,
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
        const chunk = JSON.parse(event.slice(6));
        if (chunk.error) throw new Error(chunk.error.message);
        if (chunk.usage) usage = chunk.usage;
        const delta = chunk.choices[0] && chunk.choices[0].delta;
        if (!delta) continue;
        if (delta.reasoning_content) {
          if (!reasoning) {
            const details = document.createElement("details");
            details.innerHTML = "<summary>Reasoning</summary>";
            reasoning = document.createElement("span");
            details.append(reasoning);
            bubble.prepend(details);
          }
          reasoning.textContent += delta.reasoning_content;
        }
        if (delta.content || delta.reasoning_content) {
          last = performance.now();
          if (!first) first = last;
        }
        if (delta.content) {
          answer += delta.content;
          content.textContent = answer;
        }
        if (delta.tool_calls) content.textContent += delta.tool_calls.map((c) => `\n[tool call ${c.function.name}(${c.function.arguments})]`).join("");
      }
      bubble.scrollIntoView({ block: "end" });
    }
    state.history.push({ role: "assistant", content: answer });
    showStats(bubble, started, first, last, usage, "");
  } catch (e) {
    if (e.name === "AbortError") {
      showStats(bubble, started, first, last, null, " · stopped");
      state.history.push({ role: "assistant", content: answer });
    } else {
      bubble.classList.add("error");
      content.textContent = (answer ? answer + "\n" : "") + "Error: " + e.message;
      state.history.pop();
    }
  } finally {
    state.controller = null;
    $("stop").disabled = true;
    $("send").disabled = false;
  }
}

function request() {
  const body = { model: $("model").value, messages: state.history, stream: true, stream_options: { include_usage: true } };
  const maxTokens = parseInt($("max-tokens").value, 10);
  if (maxTokens > 0) body.max_tokens = maxTokens;
  return body;
}

function showStats(bubble, started, first, last, usage, suffix) {
  const stats = document.createElement("span");
  stats.className = "stats";
  const tokens = usage ? usage.completion_tokens : null;
  const ttft = first ? `TTFT ${(first - started).toFixed(0)} ms` : "no tokens";
  const speed = tokens > 1 && last > first ? ` · ${((tokens - 1) / ((last - first) / 1000)).toFixed(1)} tokens/s` : "";
  stats.textContent = ttft + speed + (tokens !== null ? ` · ${tokens} tokens` : "") + suffix;
  bubble.append(stats);
}

$("composer").addEventListener("submit", send);
$("prompt").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) send(e); });
$("prompt").addEventListener("paste", (e) => {
  for (const item of e.clipboardData.items) {
    if (item.type.startsWith("image/")) { attachImage(item.getAsFile()); e.preventDefault(); }
  }
});
$("image-input").addEventListener("change", (e) => { for (const f of e.target.files) attachImage(f); e.target.value = ""; });
$("audio-input").addEventListener("change", (e) => { for (const f of e.target.files) attachAudio(f, f.name); e.target.value = ""; });
$("record").addEventListener("click", toggleRecording);
$("stop").addEventListener("click", () => state.controller && state.controller.abort());
$("model").addEventListener("change", showModalities);
$("api-key").addEventListener("change", () => { localStorage.setItem("qwen-onnx-api-key", $("api-key").value.trim()); loadModels(); });
$("new-chat").addEventListener("click", () => { state.history = []; $("conversation").replaceChildren(); });
loadModels();
