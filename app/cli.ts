// `npm run app -- --port 8090 --routing adaptive …`: runs the moderation service until SIGINT or
// SIGTERM, then finishes the requests in flight before it exits.

import { parseFlags, runCli } from "../tools/cli.ts";
import { readAppConfigFile, resolveAppConfig, upstreamsOf, type AppConfigInput } from "./config.ts";
import { startApp } from "./server.ts";

const USAGE = `usage: npm run app -- [options]
  --port N              port (default 8090; 0 = any free port)
  --host H              address to listen on (default 127.0.0.1)
  --routing R           static | round-robin | adaptive (default adaptive)
  --base-url URL        Gemini API base URL, e.g. the emulator's (default GEMINI_BASE_URL, else the real API)
  --models A,B          models to route across (default gemini-2.5-flash)
  --keys NAME=VAR,…     API keys by name, each read from an environment variable (default default=GEMINI_API_KEY)
  --concurrency N       model calls at once (default 32)
  --queue N             requests waiting for a slot before 503 (default 64)
  --deadline-ms MS      a request's whole time budget (default 10000)
  --attempts N          model attempts per request (default 3)
  --hedge Q             adaptive: hedge an attempt slower than this quantile of its latencies (e.g. 0.95)
  --breaker-open-ms MS  how long an open breaker keeps an upstream out (default 2000)
  --config FILE         JSON with the same settings (camelCase: baseUrl, deadlineMs, hedgeQuantile, keys {name: VAR}…); flags win`;

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  routing: { type: "string" },
  "base-url": { type: "string" },
  models: { type: "string" },
  keys: { type: "string" },
  concurrency: { type: "string" },
  queue: { type: "string" },
  "deadline-ms": { type: "string" },
  attempts: { type: "string" },
  hedge: { type: "string" },
  "breaker-open-ms": { type: "string" },
  config: { type: "string" },
} as const;

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  const fromFile = values.config === undefined ? {} : readAppConfigFile(values.config);
  const fromFlags: AppConfigInput = {
    port: values.port,
    host: values.host,
    routing: values.routing,
    baseUrl: values["base-url"],
    models: values.models,
    keys: values.keys,
    concurrency: values.concurrency,
    queue: values.queue,
    deadlineMs: values["deadline-ms"],
    attempts: values.attempts,
    hedgeQuantile: values.hedge,
    breakerOpenMs: values["breaker-open-ms"],
  };
  const given = Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined));
  const config = resolveAppConfig({ ...fromFile, ...given }, process.env);
  const app = await startApp(config);
  const routes = upstreamsOf(config)
    .map((u) => u.id)
    .join(", ");
  console.log(
    `gemini-app listening on ${app.url} (routing ${config.router.strategy} over ${routes}; target ${config.baseUrl ?? "the Gemini API"})`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      console.log("gemini-app: finishing the requests in flight, then stopping");
      void app.close().then(resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

runCli(import.meta.url, "app", main, { usage: USAGE });
