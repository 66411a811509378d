// What a failed preflight means and what to do about it, in the one line that stops the run.
// Pure (no k6 import): the scenario kit sends the preflight through the client and passes its outcome in.

import { displayUrl, type GeminiConfig } from "./config.ts";

/** What the preflight's call told: the last attempt's status and the client's description of its failure. */
export interface PreflightOutcome {
  ok: boolean;
  /** HTTP status of the last attempt (0 when nothing answered). */
  status: number;
  errorMessage?: string | undefined;
}

/** The abort message of a failed preflight, naming the setting to fix; undefined when it succeeded. */
export function preflightFailure(
  outcome: PreflightOutcome,
  config: Pick<GeminiConfig, "baseUrl" | "model" | "apiVersion">,
): string | undefined {
  if (outcome.ok) return undefined;
  const status = outcome.status;
  const detail = outcome.errorMessage ?? `HTTP ${status}`;
  const url = displayUrl(config.baseUrl);
  let hint = "check GEMINI_BASE_URL, GEMINI_API_KEY and GEMINI_MODEL";
  if (status === 0) hint = `nothing answered at GEMINI_BASE_URL=${url}; start the emulator (npm run emulator) or fix the URL`;
  else if (status >= 300 && status < 400)
    hint = `GEMINI_BASE_URL=${url} redirects elsewhere; redirects are not followed (the key would go with them): use the final address`;
  else if (status === 429 || status === 503)
    hint = "the service is rate limiting or overloaded even before the load: wait and retry, or check your quota";
  else if (status === 401 || status === 403 || (status === 400 && /API key/i.test(detail))) hint = "the service rejected GEMINI_API_KEY";
  else if (status === 404)
    hint = `GEMINI_MODEL=${config.model} or GEMINI_API_VERSION=${config.apiVersion} is not served at GEMINI_BASE_URL=${url}`;
  return `gemini-k6: preflight failed (${detail}): ${hint}`;
}
