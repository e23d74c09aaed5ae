// Sends every kind of log the official @helicone/helpers client can produce to a Heliograph
// server, then prints a JSON manifest (label → request id, and what each call returned) on
// stdout. Environment: HELIOGRAPH_URL (base URL) and HELIOGRAPH_API_KEY.
import { randomUUID } from "node:crypto";
import { HeliconeManualLogger } from "@helicone/helpers";

const base = process.env.HELIOGRAPH_URL;
const apiKey = process.env.HELIOGRAPH_API_KEY;
if (!base || !apiKey) {
  console.error("HELIOGRAPH_URL and HELIOGRAPH_API_KEY must be set");
  process.exit(2);
}

const logger = new HeliconeManualLogger({
  apiKey,
  loggingEndpoint: `${base}/custom/v1/log`,
  headers: { "Helicone-Property-App": "node-acceptance" },
});

const sessionId = `node-session-${randomUUID()}`;
const manifest = { sessionId, logs: {}, returned: {} };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// headersFor gives each call its own request id, so the test can read each log back by id.
function headersFor(label, path) {
  const id = randomUUID();
  manifest.logs[label] = id;
  return {
    "Helicone-Request-Id": id,
    "Helicone-Property-Label": label,
    "Helicone-Property-Environment": "Test",
    // fetch sends characters up to U+00FF as one ISO-8859-1 byte each.
    "Helicone-Property-City": "Zürich",
    "Helicone-Session-Id": sessionId,
    "Helicone-Session-Name": "node acceptance",
    "Helicone-Session-Path": path,
    "Helicone-User-Id": "user-node",
  };
}

async function main() {
  manifest.returned.db_query = await logger.logRequest(
    { _type: "data", name: "db_query", meta: { database: "orders" },
      query: "SELECT id, total FROM orders WHERE user_id = $1", params: ["u-1"] },
    async (recorder) => {
      await sleep(40);
      recorder.appendResults({ rows: [{ id: 1, total: 9.5 }, { id: 2, total: 20 }] });
      recorder.appendResults({ rowCount: 2 });
      return "db-result";
    },
    headersFor("db_query", "/agent/db"),
  );

  manifest.returned.api_call = await logger.logRequest(
    { _type: "data", name: "weather_api", meta: { method: "GET" },
      url: "https://weather.example/v1/today?city=Paris" },
    async (recorder) => {
      await sleep(25);
      recorder.appendResults({ status: 200, data: { tempC: 18, sky: "clear" } });
      return { tempC: 18 };
    },
    headersFor("api_call", "/agent/api"),
  );

  manifest.returned.ml_inference = await logger.logRequest(
    { _type: "data", name: "sentiment_model", meta: { version: "2" }, input: "I love it" },
    async (recorder) => {
      await sleep(15);
      recorder.appendResults({ label: "positive", score: 0.97 });
      return "positive";
    },
    headersFor("ml_inference", "/agent/ml"),
  );

  manifest.returned.tool = await logger.logRequest(
    { _type: "tool", toolName: "web_search", input: { query: "heliograph", limit: 3 } },
    async (recorder) => {
      await sleep(20);
      recorder.appendResults({ status: "success", results: ["a", "b", "c"] });
      return 3;
    },
    headersFor("tool", "/agent/tool"),
  );

  manifest.returned.vector_db = await logger.logRequest(
    { _type: "vector_db", operation: "search", text: "refund policy", vector: [0.1, 0.2, 0.3],
      topK: 2, filter: { lang: "en" }, databaseName: "docs-index" },
    async (recorder) => {
      await sleep(10);
      recorder.appendResults({ matches: [{ id: "d1", score: 0.91 }, { id: "d2", score: 0.75 }] });
      return 2;
    },
    headersFor("vector_db", "/agent/vector"),
  );

  manifest.returned.llm = await logger.logRequest(
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hi in French" }] },
    async (recorder) => {
      await sleep(30);
      const completion = {
        id: "chatcmpl-1", model: "gpt-4o-mini-2024-07-18",
        choices: [{ index: 0, message: { role: "assistant", content: "Salut ! 👋" },
          finish_reason: "stop" }],
        usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15,
          prompt_tokens_details: { cached_tokens: 3 } },
      };
      recorder.appendResults(completion);
      return completion.choices[0].message.content;
    },
    headersFor("llm", "/agent/llm"),
    "OPENAI",
  );

  await logger.logSingleRequest(
    { model: "gpt-4o", messages: [{ role: "user", content: "single" }] },
    JSON.stringify({ choices: [{ message: { role: "assistant", content: "one shot" } }] }),
    { additionalHeaders: headersFor("single", "/agent/single"), latencyMs: 120 },
  );

  const streamBuilder = logger.logBuilder(
    { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "stream please" }] },
    headersFor("stream", "/agent/stream"),
  );
  async function* chunks() {
    const parts = ["Bon", "jour", " le", " monde"];
    for (const [i, part] of parts.entries()) {
      await sleep(5);
      yield { id: "chatcmpl-s", model: "gpt-4o",
        choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: part } :
          { content: part } }] };
    }
    yield { id: "chatcmpl-s", model: "gpt-4o", choices: [{ index: 0, delta: {},
      finish_reason: "stop" }] };
  }
  const readable = streamBuilder.toReadableStream(chunks());
  const reader = readable.getReader();
  let streamedBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    streamedBytes += value.length;
  }
  manifest.returned.stream = streamedBytes;
  await streamBuilder.sendLog();

  const errorBuilder = logger.logBuilder(
    { model: "gpt-4o", messages: [{ role: "user", content: "fail please" }] },
    headersFor("error", "/agent/error"),
  );
  errorBuilder.setError(new Error("upstream exploded"));
  await errorBuilder.sendLog();

  process.stdout.write(JSON.stringify(manifest) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
