// Renders tool-calling conversations with the vendored Qwen3 chat template through @huggingface/jinja (the Jinja
// engine of transformers.js, independent of GenAI's) and writes the prompts the C# engine must reproduce.
// Usage: npm install && node generate.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const root = new URL("../../", import.meta.url);
const config = JSON.parse(readFileSync(new URL("models/tokenizers/qwen3/tokenizer_config.json", root), "utf8"));
const template = new Template(config.chat_template);

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string", description: "City name" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city"] },
  },
};
const time = { type: "function", function: { name: "get_time", description: "Local time in a time zone.", parameters: { type: "object", properties: { zone: { type: "string" } } } } };
const call = (name, args) => ({ type: "function", function: { name, arguments: args } });

const cases = [
  { name: "tools offered", tools: [weather, time], messages: [{ role: "user", content: "Weather in Paris?" }] },
  { name: "tools with a system prompt", tools: [weather], messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Paris?" }] },
  {
    name: "a call and its result",
    tools: [weather],
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "", tool_calls: [call("get_weather", { city: "Paris", unit: "celsius" })] },
      { role: "tool", content: "{\"temperature\": 21, \"sky\": \"clear\"}" },
    ],
  },
  {
    name: "two calls, two results, text before the calls",
    tools: [weather, time],
    messages: [
      { role: "user", content: "Weather and time in Tokyo?" },
      { role: "assistant", content: "Let me check both.", tool_calls: [call("get_weather", { city: "Tokyo" }), call("get_time", { zone: "Asia/Tokyo" })] },
      { role: "tool", content: "{\"temperature\": 18}" },
      { role: "tool", content: "09:30" },
    ],
  },
];

const golden = cases.map((c) => ({ ...c, prompt: template.render({ messages: c.messages, tools: c.tools, add_generation_prompt: true }) }));
writeFileSync(new URL("tests/Qwen.Onnx.Text.Tests/TestData/tool-prompts.json", root), JSON.stringify(golden, null, 1) + "\n");
console.log(`wrote ${golden.length} cases`);
