// The admin API under /__emulator/: health, ground-truth stats and samples, reset, effective config
// (read and PATCH), and the request log. Never reachable on the public API paths.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorState } from "./state.ts";
import { applyPatch, ConfigError, keyLabel } from "./config.ts";
import type { EmulatorConfig } from "./profiles.ts";

const ADMIN_BODY_LIMIT = 1024 * 1024;

function reply(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, {
    "Content-Type": "application/json; charset=UTF-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(body);
}

/** The effective config as the admin API shows it: API keys by their labels, never the keys themselves. */
function shownConfig(config: EmulatorConfig): EmulatorConfig {
  return { ...config, apiKeys: config.apiKeys.map(keyLabel) };
}

function adminError(res: ServerResponse, status: number, message: string): void {
  reply(res, status, { error: { code: status, message, status: status === 404 ? "NOT_FOUND" : "INVALID_ARGUMENT" } });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= ADMIN_BODY_LIMIT) chunks.push(c);
    });
    req.on("end", () => resolve(size > ADMIN_BODY_LIMIT ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(undefined));
  });
}

/** Answers one admin call. */
export async function handleAdmin(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams | undefined,
): Promise<void> {
  const method = req.method ?? "GET";
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /__emulator/health":
      req.resume();
      return reply(res, 200, { status: "ok" });
    case "GET /__emulator/stats":
      req.resume();
      return reply(res, 200, state.stats.summary(query?.get("model") || undefined, query?.get("method") || undefined));
    case "GET /__emulator/samples":
      req.resume();
      return reply(res, 200, { samples: state.stats.samples(query?.get("model") || undefined, query?.get("method") || undefined) });
    case "POST /__emulator/reset":
      req.resume();
      state.reset();
      return reply(res, 200, { status: "reset" });
    case "GET /__emulator/config":
      req.resume();
      return reply(res, 200, shownConfig(state.config));
    case "PATCH /__emulator/config": {
      const text = await readBody(req);
      if (text === undefined) return adminError(res, 400, "config patch too large");
      let patch: unknown;
      try {
        patch = JSON.parse(text);
      } catch {
        return adminError(res, 400, "config patch is not valid JSON");
      }
      try {
        state.apply(applyPatch(state.config, patch));
      } catch (err) {
        if (err instanceof ConfigError) return adminError(res, 400, err.message);
        throw err;
      }
      return reply(res, 200, shownConfig(state.config));
    }
    case "GET /__emulator/requests":
      req.resume();
      return reply(res, 200, { requests: state.log.list() });
    default:
      req.resume();
      return adminError(res, 404, `unknown admin call ${route}`);
  }
}
