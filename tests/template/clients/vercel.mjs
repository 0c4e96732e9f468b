// The Vercel AI SDK's default `openai` provider (the Responses API) against a generated service.
//
//   node vercel.mjs SCENARIO   (BASE_URL=http://host:port/v1 API_KEY=... MODEL=...)
//
// Prints one JSON report: what the SDK returned, and every request it sent.
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, Output, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

const requests = [];
async function recordingFetch(url, init) {
  requests.push({ method: init?.method ?? "GET", url: String(url), body: JSON.parse(init?.body ?? "null") });
  return fetch(url, init);
}

const openai = createOpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, fetch: recordingFetch });
const model = openai(process.env.MODEL);
const getWeather = tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `Sunny in ${city}`,
});

async function partsOf(result) {
  const parts = [];
  for await (const part of result.fullStream) {
    if (part.type === "error") throw part.error;
    parts.push(part.type);
  }
  return parts;
}

const scenarios = {
  async generate() {
    const result = await generateText({ model, prompt: "Hello from Vercel" });
    return { text: result.text, usage: result.usage, finishReason: result.finishReason };
  },
  async stream() {
    const result = streamText({ model, prompt: "Stream to Vercel" });
    const parts = await partsOf(result);
    return { text: await result.text, parts, usage: await result.usage };
  },
  async tools() {
    const result = await generateText({
      model,
      prompt: "What is the weather? Use get_weather.",
      tools: { get_weather: getWeather },
      stopWhen: stepCountIs(3),
    });
    return {
      text: result.text,
      steps: result.steps.map((step) => ({
        finishReason: step.finishReason,
        toolCalls: step.toolCalls.map((call) => ({ name: call.toolName, input: call.input })),
        toolResults: step.toolResults.map((r) => r.output),
      })),
    };
  },
  async chatTools() {
    // The same provider's Chat Completions model: `/v1/chat/completions`, streamed.
    const result = streamText({
      model: openai.chat(process.env.MODEL),
      prompt: "Use get_weather over chat completions.",
      tools: { get_weather: getWeather },
      stopWhen: stepCountIs(3),
    });
    const parts = await partsOf(result);
    return { text: await result.text, parts, steps: (await result.steps).length };
  },
  async streamTools() {
    const result = streamText({
      model,
      prompt: "Stream the weather: use get_weather.",
      tools: { get_weather: getWeather },
      stopWhen: stepCountIs(3),
    });
    const parts = await partsOf(result);
    return { text: await result.text, parts, steps: (await result.steps).length };
  },
  async secondTurn() {
    const first = await generateText({ model, prompt: "remember me" });
    const second = await generateText({
      model,
      messages: [
        { role: "user", content: "remember me" },
        ...first.response.messages,
        { role: "user", content: "and again" },
      ],
    });
    return { text: second.text };
  },
  async object() {
    const result = await generateText({
      model,
      prompt: "A forecast",
      output: Output.object({ schema: z.object({ city: z.string(), days: z.number().int() }) }),
    });
    return { output: result.output };
  },
};

const scenario = scenarios[process.argv[2]];
if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}`);
const result = await scenario();
console.log(JSON.stringify({ result, requests }));
