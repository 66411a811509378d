// HTTP plumbing of the API: the service's headers, whole JSON answers (gzipped when the client accepts
// it), reading a request body within its size limit, and finding the API key.

import type { IncomingMessage } from "node:http";
import { isUtf8 } from "node:buffer";
import { gzip } from "node:zlib";
import { acceptsGzip } from "./compression.ts";
import { invalidArgument, payloadTooLarge, type ApiError } from "./errors.ts";
import { bodyKey } from "./answer-cache.ts";
import { now } from "./timing.ts";
import { record, type Exchange } from "./exchange.ts";

const COMMON_HEADERS = [
  "Server",
  "scaffolding on HTTPServer2",
  "Vary",
  "Origin, X-Origin, Referer",
  "X-Content-Type-Options",
  "nosniff",
  "X-Frame-Options",
  "SAMEORIGIN",
  "X-Xss-Protection",
  "0",
];
/** Content-Type of JSON answers and errors. */
export const JSON_TYPE = "application/json; charset=UTF-8";

/** The service's response headers, with `Server-Timing` and one more header. */
export function headers(contentType: string, serverTimingMs: number, extraName: string, extraValue: string): string[] {
  // Built as one literal: spreading COMMON_HEADERS per response was a visible cost of the hot path.
  const c = COMMON_HEADERS;
  return [
    c[0],
    c[1],
    c[2],
    c[3],
    c[4],
    c[5],
    c[6],
    c[7],
    c[8],
    c[9],
    "Content-Type",
    contentType,
    "Server-Timing",
    `gfet4t7; dur=${Math.round(serverTimingMs)}`,
    extraName,
    extraValue,
  ] as string[];
}

/** Sends a whole JSON answer (success or error) and records the exchange; a Buffer body is already encoded as `contentEncoding` says. */
export function sendJson(x: Exchange, status: number, body: string | Buffer, contentEncoding?: "gzip"): void {
  if (x.aborted || x.res.headersSent) {
    record(x);
    return;
  }
  x.status = status;
  const elapsed = now() - x.start;
  const head = headers(JSON_TYPE, elapsed, "Content-Length", String(Buffer.byteLength(body)));
  if (contentEncoding) head.push("Content-Encoding", contentEncoding);
  x.res.writeHead(status, head);
  x.ttfb = now() - x.start;
  x.res.end(body);
  record(x);
}

/** A 200 JSON answer, gzipped when the client accepts it (as the service sends non-streamed answers). */
export function sendAnswer(x: Exchange, body: string): void | Promise<void> {
  if (acceptsGzip(x.req.headers["accept-encoding"])) return sendJsonGzipped(x, body);
  sendJson(x, 200, body);
}

/**
 * Compressed off the event loop (a long answer would otherwise hold up every stream's timing); an
 * internal failure falls back to the plain body.
 */
function sendJsonGzipped(x: Exchange, body: string): Promise<void> {
  return new Promise((resolve) => {
    gzip(body, (error, compressed) => {
      resolve();
      if (error) sendJson(x, 200, body);
      else sendJson(x, 200, compressed, "gzip");
    });
  });
}

/** Sends an API error at once. */
export function sendError(x: Exchange, error: ApiError): void {
  sendJson(x, error.httpStatus, x.format ? x.format.error(error) : error.body);
}

/** JSON of an answer, pretty-printed unless the client asked `prettyPrint=false`. */
export function stringify(x: Exchange, value: unknown): string {
  return x.pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value);
}

/**
 * Reads the body up to the size limit: the text, the error to answer (too large, not UTF-8; an oversized
 * body is answered without waiting for the rest), or undefined when the upload failed.
 */
export function readBody(x: Exchange, limit: number): Promise<string | ApiError | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    x.req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        x.res.shouldKeepAlive = false;
        resolve(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    x.req.on("end", () => {
      if (over) return;
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      // Proto strings must be valid UTF-8; decoding would silently turn bad bytes into U+FFFD.
      if (!isUtf8(bytes)) {
        const message = "Invalid JSON payload received. Invalid UTF-8 in the request body.";
        resolve(invalidArgument(message, [{ description: message }]));
        return;
      }
      x.bodyKey = bodyKey(bytes);
      resolve(bytes.toString("utf8"));
    });
    x.req.on("error", () => {
      if (!over) resolve(undefined);
    });
  });
}

/** The API key: the `x-goog-api-key` header, else `?key=`. */
export function apiKeyOf(req: IncomingMessage, query: URLSearchParams | undefined): string | undefined {
  const header = req.headers["x-goog-api-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return fromHeader;
  return query?.get("key") ?? undefined;
}
