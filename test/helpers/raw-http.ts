// A raw HTTP/1.1 exchange over a TCP socket, for requests no HTTP client would send: broken
// headers, duplicate headers, bodies cut short, invalid chunk framing.

import { connect } from "node:net";
import { gunzipSync } from "node:zlib";

export interface RawExchangeResult {
  /** Undefined when the server closed the connection without answering. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  timedOut: boolean;
}

/**
 * Sends `request` bytes to 127.0.0.1:`port` and reads until the server closes the connection
 * (the requests carry `Connection: close`). With `halfClose`, our side ends right after writing,
 * as a client that gave up mid-body would.
 */
export function rawExchange(
  port: number,
  request: Buffer,
  options: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<RawExchangeResult> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.timeoutMs ?? 15_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {
      // A reset after the answer (or instead of one) is judged from what arrived.
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ...parseResponse(Buffer.concat(chunks)), timedOut });
    });
    socket.write(request, () => {
      if (options.halfClose) socket.end();
    });
  });
}

function parseResponse(raw: Buffer): Omit<RawExchangeResult, "timedOut"> {
  const headEnd = raw.indexOf("\r\n\r\n");
  if (headEnd < 0) return { headers: {}, body: "" };
  const head = raw.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "")?.[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(headEnd + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  if (headers["content-encoding"]?.toLowerCase() === "gzip" && body.length > 0) {
    try {
      body = gunzipSync(body);
    } catch {
      // Left as is: the caller sees a body that is not JSON.
    }
  }
  return { status: Number.isFinite(status) ? status : undefined, headers, body: body.toString("utf8") };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", pos);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(pos, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
