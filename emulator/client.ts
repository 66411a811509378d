// The one client of the emulator's admin API under /__emulator/ (docs/emulator.md), for tools,
// verify and the tests. Types only come from the emulator, so importing this loads no server code.

import type { EmulatorConfig, LoggedRequest, Sample, StatsSummary } from "./index.ts";

export type { EmulatorConfig, Sample, StatsSummary } from "./index.ts";

/** Narrows stats and samples to one model and/or one API method (`generateContent`, …). */
export interface AdminFilter {
  model?: string;
  method?: string;
}

/**
 * A failed admin call. `status` is the HTTP status when the emulator answered, undefined when it
 * could not be reached (then `cause` holds fetch's error).
 */
export class EmulatorAdminError extends Error {
  override name = "EmulatorAdminError";
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The admin API of one emulator; every call rejects with an `EmulatorAdminError` unless it gets a 2xx. */
export interface EmulatorAdmin {
  readonly baseUrl: string;
  health(): Promise<{ status: string }>;
  stats(filter?: AdminFilter): Promise<StatsSummary>;
  samples(filter?: AdminFilter): Promise<Sample[]>;
  reset(): Promise<void>;
  config(): Promise<EmulatorConfig>;
  /** Deep-merges `patch` into the running config and returns the result. */
  patchConfig(patch: unknown): Promise<EmulatorConfig>;
  /** The request log (empty unless the emulator runs with `requestLog`). */
  requests(): Promise<LoggedRequest[]>;
}

export interface AdminClientOptions {
  /** Per-call timeout; default 30 s (the samples of a long run are tens of MB). */
  timeoutMs?: number;
}

function query(filter: AdminFilter | undefined): string {
  const params = new URLSearchParams();
  if (filter?.model) params.set("model", filter.model);
  if (filter?.method) params.set("method", filter.method);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A client for the emulator at `baseUrl` (no trailing slash needed). */
export function emulatorAdmin(baseUrl: string, options: AdminClientOptions = {}): EmulatorAdmin {
  const root = baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const url = `${root}/__emulator/${path}`;
    const init: RequestInit = { method, signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new EmulatorAdminError(`cannot reach the emulator's admin API at ${url} (${cause})`, undefined, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new EmulatorAdminError(
        `${method} ${url} answered HTTP ${response.status}: ${text.replace(/\s+/g, " ").trim().slice(0, 300)}`,
        response.status,
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new EmulatorAdminError(`${method} ${url} did not answer with JSON: is this the emulator?`, response.status);
    }
  };
  return {
    baseUrl: root,
    health: () => call("GET", "health"),
    stats: (filter) => call("GET", `stats${query(filter)}`),
    samples: async (filter) => (await call<{ samples: Sample[] }>("GET", `samples${query(filter)}`)).samples,
    reset: async () => {
      await call("POST", "reset");
    },
    config: () => call("GET", "config"),
    patchConfig: (patch) => call("PATCH", "config", patch),
    requests: async () => (await call<{ requests: LoggedRequest[] }>("GET", "requests")).requests,
  };
}
