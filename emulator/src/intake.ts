// What every API request (native, OpenAI-compatible, batches) passes before its method is served:
// the API key, the body, and the request log.
import { badKeyError, noKeyError } from "./errors.ts";
import { refuse } from "./delays.ts";
import { readBody } from "./http.ts";
import { redact } from "./request-log.ts";
import type { Exchange } from "./exchange.ts";

/**
 * Refuses a missing or unknown `key`, reads the body when `hasBody` (others are drained), and logs the
 * request when the log is on. Returns the raw body ("" without one), or undefined once the request is answered.
 */
export async function keyedBody(
  x: Exchange,
  key: string | undefined,
  hasBody: boolean,
  path: string,
  query: URLSearchParams | undefined,
): Promise<string | undefined> {
  const { req, state } = x;
  const config = state.config;
  if (!key) {
    req.resume();
    await refuse(x, noKeyError());
    return undefined;
  }
  if (config.apiKeys.length > 0 && !config.apiKeys.includes(key)) {
    req.resume();
    await refuse(x, badKeyError());
    return undefined;
  }
  let raw = "";
  if (hasBody) {
    const body = await readBody(x, config.maxBodyBytes);
    if (typeof body !== "string") {
      if (body) await refuse(x, body);
      return undefined;
    }
    raw = body;
  } else req.resume();
  if (config.requestLog) logRequest(x, path, query, raw);
  return raw;
}

function logRequest(x: Exchange, path: string, query: URLSearchParams | undefined, raw: string): void {
  let body: unknown = raw;
  try {
    body = raw === "" ? null : JSON.parse(raw);
  } catch {
    // Malformed bodies are logged as received.
  }
  const redacted = redact(x.req.headers, query ?? new URLSearchParams());
  x.state.log.add({ method: x.req.method ?? "", path, query: redacted.query, headers: redacted.headers, body });
}
