// The moderation service on Fastify: POST /v1/moderate behind the app's own concurrency limit and a
// per-request deadline, GET /health, and GET /admin/router with the router's live state. Closing it
// stops taking requests (503) and waits for those in flight to finish.

import Fastify, { type FastifyError, type FastifyReply } from "fastify";
import { upstreamsOf, type AppConfig } from "./config.ts";
import { Limiter } from "./limiter.ts";
import { ModelClient } from "./model-client.ts";
import { moderate, ModerationFailure, type RequestTiming } from "./moderate.ts";
import { Router } from "./router/router.ts";
import { serverTiming } from "./server-timing.ts";

/** The longest text /v1/moderate takes, in characters. */
export const MAX_TEXT_CHARS = 20_000;

/** A running app. */
export interface AppServer {
  url: string;
  port: number;
  router: Router;
  limiter: Limiter;
  /** Stops taking requests and resolves once those in flight have been answered. */
  close(): Promise<void>;
}

function sendError(reply: FastifyReply, status: number, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers(headers)
    .send({ error: { code: status, message } });
}

/** What is wrong with a /v1/moderate body, or undefined when it is fine. */
function badInput(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return 'expected a JSON object {"text": "…"}';
  const text = (body as { text?: unknown }).text;
  if (text === undefined) return 'missing "text": send {"text": "the post to moderate"}';
  if (typeof text !== "string") return `"text" must be a string, got ${Array.isArray(text) ? "an array" : typeof text}`;
  if (text.trim() === "") return '"text" is empty: send the post to moderate';
  if (text.length > MAX_TEXT_CHARS) return `"text" is ${text.length} characters; at most ${MAX_TEXT_CHARS} are taken`;
  const extra = Object.keys(body).filter((k) => k !== "text");
  if (extra.length > 0) return `unknown field "${extra[0]}": the body holds "text" only`;
  return undefined;
}

/** Starts the app on `config.port` (0 = any free port). */
export async function startApp(config: AppConfig): Promise<AppServer> {
  const router = new Router(upstreamsOf(config), config.router);
  const limiter = new Limiter(config.concurrency, config.queue);
  const client = new ModelClient(config.keys, config.baseUrl);
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, return503OnClosing: true, forceCloseConnections: "idle" });

  // JSON only: a text/plain body is refused as 415 rather than read as a string.
  app.removeContentTypeParser("text/plain");
  // Every answer carries at least its total time; /v1/moderate sets the full header itself.
  app.addHook("onRequest", async (request) => {
    (request as { startedAt?: number }).startedAt = performance.now();
  });
  app.addHook("onSend", async (request, reply) => {
    if (!reply.hasHeader("server-timing")) {
      const started = (request as { startedAt?: number }).startedAt ?? performance.now();
      reply.header("server-timing", `total;dur=${(performance.now() - started).toFixed(1)}`);
    }
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) return sendError(reply, 500, "internal error");
    const message =
      error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" ? 'send JSON: Content-Type: application/json and {"text": "…"}' : error.message;
    return sendError(reply, status, `bad request: ${message}`);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `no such endpoint ${request.method} ${request.url}: POST /v1/moderate, GET /health, GET /admin/router`),
  );

  app.get("/health", async () => ({ status: "ok", active: limiter.active, queued: limiter.queued }));
  app.get("/admin/router", async () => ({
    limiter: { concurrency: limiter.limit, active: limiter.active, queue: limiter.queueLimit, queued: limiter.queued },
    deadlineMs: config.deadlineMs,
    attempts: config.attempts,
    router: router.snapshot(performance.now()),
  }));

  app.post("/v1/moderate", async (request, reply) => {
    const arrived = (request as { startedAt?: number }).startedAt ?? performance.now();
    const timing: RequestTiming = { queueMs: 0, attempts: [], modelMs: 0, retryWaitMs: 0, parseMs: 0, totalMs: 0 };
    const finish = () => {
      timing.totalMs = performance.now() - arrived;
      reply.header("server-timing", serverTiming(timing));
    };
    const problem = badInput(request.body);
    if (problem) {
      finish();
      return sendError(reply, 400, `invalid request: ${problem}`);
    }
    const deadline = AbortSignal.timeout(config.deadlineMs);
    const queued = performance.now();
    const slot = await limiter.acquire(deadline);
    timing.queueMs = performance.now() - queued;
    if (slot !== true) {
      finish();
      if (slot === "full") {
        return sendError(reply, 503, `the app is at its limit (${limiter.limit} running, ${limiter.queueLimit} waiting); retry after 1 s`, {
          "retry-after": "1",
        });
      }
      return sendError(reply, 504, `the request's deadline (${config.deadlineMs} ms) passed while it waited for a slot`);
    }
    try {
      const answer = await moderate(
        { router, client, attempts: config.attempts },
        (request.body as { text: string }).text,
        deadline,
        timing,
      );
      finish();
      return answer;
    } catch (error) {
      finish();
      if (!(error instanceof ModerationFailure)) throw error;
      const headers: Record<string, string> = error.retryAfterS === undefined ? {} : { "retry-after": String(error.retryAfterS) };
      return sendError(reply, error.status, error.message, headers);
    } finally {
      limiter.release();
    }
  });

  const address = await app.listen({ port: config.port, host: config.host });
  const port = new URL(address).port;
  return {
    url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`,
    port: Number(port),
    router,
    limiter,
    close: () => app.close(),
  };
}
