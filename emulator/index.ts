// Programmatic entry point of the Gemini API emulator: start({ port: 0, … }) → { url, port, close }.

import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { resolveConfig, type ConfigOptions } from "./src/config.ts";
import { EmulatorState } from "./src/state.ts";
import { createHandler } from "./src/server.ts";
import { invalidArgument, MSG_INVALID_ARGUMENT } from "./src/errors.ts";

export { ConfigError, profileNames } from "./src/config.ts";
export { LEXICON, LABELS, classifyText } from "./src/moderation.ts";
export { countTextTokens } from "./src/tokens.ts";
export type { EmulatorConfig } from "./src/profiles.ts";

/** Options of start(): where to listen, plus the configuration options (docs/emulator.md). */
export interface StartOptions extends ConfigOptions {
  port?: number;
  host?: string;
}

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
  const server: Server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, createHandler(state));
  server.maxHeadersCount = 200;
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err, socket) => {
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
