// Programmatic entry point of the Gemini API emulator: start({ port: 0, … }) → { url, port, close }.

import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ConfigError, resolveConfig, type ConfigOptions } from "./src/config.ts";
import { EmulatorState } from "./src/state.ts";
import { createHandler } from "./src/server.ts";
import { invalidArgument, MSG_INVALID_ARGUMENT } from "./src/errors.ts";

export { ConfigError, profileNames } from "./src/config.ts";
export { LEXICON, LABELS, classifyText } from "./src/moderation.ts";
export { countTextTokens } from "./src/tokens.ts";
export type { EmulatorConfig } from "./src/profiles.ts";
export type { Percentiles, RequestCounts, Sample, StatsSummary } from "./src/stats.ts";
export type { LoggedRequest } from "./src/request-log.ts";

/** Options of start(): where to listen, plus the configuration options (docs/emulator.md). */
export interface StartOptions extends ConfigOptions {
  port?: number;
  host?: string;
  /**
   * Time allowed to receive a whole request, headers and body (default 60 s); a slower upload is
   * answered 408 (empty body) and closed. It does not limit how long the answer takes.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** A running emulator. */
export interface RunningEmulator {
  url: string;
  port: number;
  /** The live state (config, stats), for in-process tests. */
  state: EmulatorState;
  close(): Promise<void>;
}

/**
 * Starts an emulator. Configuration errors reject with a ConfigError naming the field.
 * `port: 0` (the default) picks a free port; `host` defaults to 127.0.0.1.
 */
export async function start(options: StartOptions = {}): Promise<RunningEmulator> {
  const config = resolveConfig(options);
  const state = new EmulatorState(config);
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(requestTimeout) || requestTimeout <= 0)
    throw new ConfigError(`invalid option "requestTimeoutMs": expected a positive integer of milliseconds, got ${String(requestTimeout)}`);
  const server: Server = createServer(
    {
      keepAliveTimeout: 65_000,
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      // node:http only checks the timeouts at this interval (30 s by default).
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4))),
    },
    createHandler(state),
  );
  server.maxHeadersCount = 200;
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      // What node:http itself answers; the API never saw the request, so no API error body is made up.
      if (socket.writable) socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      else socket.destroy();
      return;
    }
    // Malformed HTTP: answer the service's 400 JSON error when the socket still can, never crash.
    if (socket.writable) {
      const body = invalidArgument(MSG_INVALID_ARGUMENT).body;
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=UTF-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    } else socket.destroy();
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    state,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
