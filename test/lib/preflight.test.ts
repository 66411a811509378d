// Unit tests for lib/preflight.ts: a failed preflight stops the run with one line naming what to fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config.ts";
import { preflightFailure } from "../../lib/preflight.ts";

const config = parseConfig({ GEMINI_BASE_URL: "http://127.0.0.1:9999", GEMINI_MODEL: "gemini-9-nope" });

test("a successful preflight is no failure", () => {
  assert.equal(preflightFailure({ ok: true, status: 200 }, config), undefined);
});

test("each failure names its cause and the setting to fix", () => {
  const cases: Array<[number, string | undefined, RegExp]> = [
    [
      0,
      "no answer (dial tcp: connection refused)",
      /^gemini-k6: preflight failed \(no answer \(dial tcp: connection refused\)\): nothing answered at GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:9999; start the emulator/,
    ],
    [307, "HTTP 307", /^gemini-k6: preflight failed \(HTTP 307\): GEMINI_BASE_URL=\S+ redirects elsewhere.*use the final address$/],
    [429, "HTTP 429 RESOURCE_EXHAUSTED: quota", /rate limiting or overloaded even before the load/],
    [403, "HTTP 403 PERMISSION_DENIED: no", /the service rejected GEMINI_API_KEY$/],
    [400, "HTTP 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key.", /the service rejected GEMINI_API_KEY$/],
    [
      404,
      "HTTP 404 NOT_FOUND: models/gemini-9-nope is not found",
      /GEMINI_MODEL=gemini-9-nope or GEMINI_API_VERSION=v1beta is not served at GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:9999$/,
    ],
    [500, undefined, /^gemini-k6: preflight failed \(HTTP 500\): check GEMINI_BASE_URL, GEMINI_API_KEY and GEMINI_MODEL$/],
  ];
  for (const [status, errorMessage, expected] of cases) {
    assert.match(preflightFailure({ ok: false, status, errorMessage }, config) ?? "", expected, `status ${status}`);
  }
});
