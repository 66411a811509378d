// The app's settings: defaults, flags over the file, and one-line errors that never echo a key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppConfigError, resolveAppConfig, upstreamsOf } from "../../app/config.ts";
import { REPO_ROOT } from "../helpers/emulator.ts";
import { runCaptured } from "../helpers/exec.ts";

const env = { GEMINI_API_KEY: "real-looking-key-0000", SECOND_KEY: "second-key-1111" };

test("defaults: adaptive over gemini-2.5-flash with GEMINI_API_KEY against the real API", () => {
  const c = resolveAppConfig({}, env);
  assert.equal(c.router.strategy, "adaptive");
  assert.equal(c.baseUrl, undefined);
  assert.deepEqual(c.keys, [{ name: "default", key: env.GEMINI_API_KEY }]);
  assert.deepEqual(
    upstreamsOf(c).map((u) => u.id),
    ["gemini-2.5-flash@default"],
  );
  assert.equal(c.concurrency, 32);
  assert.equal(c.deadlineMs, 10_000);
});

test("upstreams are every model × every key, the first model with the first key first", () => {
  const c = resolveAppConfig({ models: "gemini-2.5-flash,gemini-2.5-flash-lite", keys: "a=GEMINI_API_KEY,b=SECOND_KEY" }, env);
  assert.deepEqual(
    upstreamsOf(c).map((u) => u.id),
    ["gemini-2.5-flash@a", "gemini-2.5-flash@b", "gemini-2.5-flash-lite@a", "gemini-2.5-flash-lite@b"],
  );
  assert.equal(c.keys[1]?.key, env.SECOND_KEY);
});

test("against a loopback emulator an unset key variable gets a placeholder; against the real API it is an error", () => {
  const local = resolveAppConfig({ baseUrl: "http://127.0.0.1:8080" }, {});
  assert.match(local.keys[0]?.key ?? "", /^local-emulator-key/);
  assert.throws(() => resolveAppConfig({}, {}), /key "default": GEMINI_API_KEY is not set; set it to a Gemini API key, or give a base URL/);
});

test("bad settings are one line naming the setting and what it accepts; a key is never echoed", () => {
  const cases: Array<[object, RegExp]> = [
    [{ routing: "fastest" }, /invalid routing: expected one of static, round-robin, adaptive, got "fastest"/],
    [{ concurrency: "0" }, /invalid concurrency: expected an integer from 1 to 100000, got "0"/],
    [{ deadlineMs: "soon" }, /invalid deadline \(ms\): expected an integer/],
    [{ hedgeQuantile: "2" }, /invalid hedge: expected a quantile between 0 and 1/],
    [{ baseUrl: "ftp://x" }, /invalid base URL/],
    [{ models: "Gemini Pro" }, /invalid models: model names use a-z/],
    [{ keys: "nokey" }, /invalid keys: expected name=ENV_VAR/],
  ];
  for (const [input, message] of cases)
    assert.throws(
      () => resolveAppConfig(input, env),
      (e: unknown) => e instanceof AppConfigError && message.test(e.message),
    );
  const pasted = "AIzaSyPASTED-KEY-value";
  assert.throws(
    () => resolveAppConfig({ keys: `main=${pasted}` }, env),
    (e: unknown) => e instanceof AppConfigError && /not the key itself/.test(e.message) && !e.message.includes(pasted),
  );
});

test("npm run app: a bad flag or config file is one line on stderr and exit 2", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "app-config-"));
  const file = path.join(dir, "app.json");
  writeFileSync(file, JSON.stringify({ routing: "adaptive", concurency: 4 }));
  const run = (args: string[]) =>
    runCaptured(process.execPath, ["--import", "tsx", "app/cli.ts", ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH },
      timeoutMs: 30_000,
    });
  const routing = await run(["--routing", "fastest", "--base-url", "http://127.0.0.1:9"]);
  assert.equal(routing.code, 2);
  assert.equal(routing.stderr.trim(), 'app: invalid routing: expected one of static, round-robin, adaptive, got "fastest"');
  const unknown = await run(["--config", file]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr.trim(), /^app: config file ".*app\.json": unknown field "concurency"; accepted: port, host, routing/);
  assert.equal(unknown.stderr.trim().split("\n").length, 1);
});
