// The emulator's request log, as both contract checks (contract.ts, openai-contract.ts) read it: admin
// calls whose failures the user can act on, the last captured request of a call, and the log switched
// on for the check and back off after it.
import { emulatorAdmin, EmulatorAdminError, type EmulatorAdmin } from "../emulator/client.ts";
import { classifyError, VerifyFailure } from "./failures.ts";
import type { CapturedRequest } from "./request-diff.ts";

/** One admin call; a target without the admin API is the user's to fix, an unreachable one is classified. */
export async function adminCall<T>(baseUrl: string, path: string, call: (client: EmulatorAdmin) => Promise<T>): Promise<T> {
  try {
    return await call(emulatorAdmin(baseUrl));
  } catch (error) {
    if (!(error instanceof EmulatorAdminError)) throw error;
    if (error.status === undefined) throw classifyError(error.cause);
    throw new VerifyFailure(
      "bad_usage",
      `the contract check needs the emulator's admin API, but ${baseUrl}/__emulator/${path} answered HTTP ${error.status}; point GEMINI_BASE_URL at an emulator started without --no-admin`,
    );
  }
}

function isCaptured(value: unknown): value is CapturedRequest {
  const r = value as Partial<CapturedRequest> | null;
  return !!r && typeof r.method === "string" && typeof r.path === "string" && typeof r.headers === "object";
}

/** The last logged request whose path ends with `pathEnd`; `what` names the call when there is none. */
export async function lastLogged(baseUrl: string, pathEnd: string, what: string): Promise<CapturedRequest> {
  const requests = (await adminCall(baseUrl, "requests", (client) => client.requests())).filter(isCaptured);
  const found = requests.filter((r) => r.path.endsWith(pathEnd)).at(-1);
  if (!found) throw new VerifyFailure("unexpected", `the emulator's request log holds no ${what} request after it was sent`);
  return { method: found.method, path: found.path, query: found.query ?? {}, headers: found.headers, body: found.body ?? null };
}

/** Runs `check` with the emulator's request log on, and switches it back off after unless it was on before. */
export async function withRequestLog<T>(baseUrl: string, check: () => Promise<T>): Promise<T> {
  const previous = await adminCall(baseUrl, "config", (client) => client.config());
  await adminCall(baseUrl, "config", (client) => client.patchConfig({ requestLog: true }));
  try {
    return await check();
  } finally {
    if (previous.requestLog !== true) {
      await adminCall(baseUrl, "config", (client) => client.patchConfig({ requestLog: false })).catch(() => undefined);
    }
  }
}
