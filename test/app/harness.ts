// Starts the moderation app in this process against an in-process emulator, both on free ports.
import { startEmulator, type StartOptions, type TestEmulator } from "../helpers/emulator.ts";
import { resolveAppConfig, type AppConfigInput } from "../../app/config.ts";
import { startApp, type AppServer } from "../../app/server.ts";

/** The keys the test apps use, by name; the emulator takes any key. */
export const APP_KEYS = { KEY_ONE: "app-test-secret-key-1", KEY_TWO: "app-test-secret-key-2" };

export interface Stack {
  emu: TestEmulator;
  app: AppServer;
  close(): Promise<void>;
}

/** A model whose every answer takes about `ms` (fixed TTFT, no thinking, instant output). */
export function fixedLatency(ms: number) {
  return { ttftMedianMs: ms, ttftP95Ms: ms, tokensPerSecond: 0, thoughtsTokens: 0, slots: 0 };
}

/** An emulator (fast profile unless told otherwise) and an app aimed at it. */
export async function startStack(app: AppConfigInput, emulator: StartOptions = {}): Promise<Stack> {
  const emu = await startEmulator(emulator);
  try {
    const server = await startApp(resolveAppConfig({ port: 0, keys: "k1=KEY_ONE", ...app, baseUrl: emu.url }, APP_KEYS));
    return {
      emu,
      app: server,
      close: async () => {
        await server.close();
        await emu.close();
      },
    };
  } catch (error) {
    await emu.close();
    throw error;
  }
}

/** POSTs `{ text }` (or a raw body) to /v1/moderate. */
export async function moderate(
  url: string,
  body: unknown = { text: "buy now, click here for free money" },
): Promise<{ status: number; headers: Headers; json: { error?: { message: string } } & Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/moderate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as never };
}

/** Server-Timing parsed: name → { dur, desc }. */
export function parseServerTiming(header: string | null): Map<string, { dur?: number; desc?: string }> {
  const out = new Map<string, { dur?: number; desc?: string }>();
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (!name) continue;
    const entry: { dur?: number; desc?: string } = {};
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "dur") entry.dur = Number(v);
      if (k === "desc") entry.desc = v?.replace(/^"|"$/g, "");
    }
    out.set(name, entry);
  }
  return out;
}
