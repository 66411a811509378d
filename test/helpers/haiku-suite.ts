// The second scenario (test/fixtures/scenarios/haiku.ts) as the kit tests run it: built by build.mjs into
// a temporary folder with the data its bundle opens, and run by real k6 against a fast emulator.
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { start } from "../../emulator/index.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { runCaptured } from "./exec.ts";
import { cleanEnv } from "./k6.ts";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "scenarios");

/** The built fixture and its emulator; read them inside tests (they are set up in `before`). */
export interface HaikuSuite {
  readonly url: string;
  /** Runs the built haiku.js as run id `runId` with `env`; returns k6's exit code, output, results folder and summary.json. */
  run(
    runId: string,
    env: Record<string, string>,
  ): Promise<Awaited<ReturnType<typeof runCaptured>> & { resultsDir: string; summary: Summary }>;
}

// The tests read summary.json field by field, as they did from JSON.parse.
// biome-ignore lint/suspicious/noExplicitAny: an untyped JSON document
type Summary = any;

/** Registers the file's before/after hooks; `prefix` names its temporary folder. */
export function haikuSuite(prefix: string): HaikuSuite {
  let work: string | undefined;
  let emulator: Awaited<ReturnType<typeof start>> | undefined;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), prefix));
    const built = await runCaptured(process.execPath, ["build.mjs", "--scenarios", FIXTURES, "--out", path.join(work, "dist")], {
      cwd: REPO_ROOT,
      env: cleanEnv(),
      timeoutMs: 120_000,
    });
    assert.equal(built.code, 0, built.stderr);
    // The bundle opens ../data/: the price table the kit reads and the scenario's own data.
    await mkdir(path.join(work, "data"));
    await copyFile(path.join(REPO_ROOT, "data", "prices.json"), path.join(work, "data", "prices.json"));
    await copyFile(path.join(FIXTURES, "data", "haiku-topics.json"), path.join(work, "data", "haiku-topics.json"));
    emulator = await start({ port: 0, profile: "fast" });
  });
  after(async () => {
    await emulator?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const ready = (): { work: string; url: string } => {
    if (!work || !emulator) throw new Error("the haiku suite is set up in before(): use it inside a test");
    return { work, url: emulator.url };
  };
  return {
    get url(): string {
      return ready().url;
    },
    async run(runId, env) {
      const { work, url } = ready();
      const results = path.join(work, "results");
      const resultsDir = path.join(results, runId);
      await mkdir(resultsDir, { recursive: true });
      const k6 = await ensureK6({ log: () => {} });
      const run = await runCaptured(k6, ["run", "--no-color", path.join(work, "dist", "haiku.js")], {
        cwd: work,
        env: { ...cleanEnv(), GEMINI_BASE_URL: url, GEMINI_RUN_ID: runId, GEMINI_RESULTS_DIR: results, ...env },
        timeoutMs: 120_000,
      });
      const summary = JSON.parse(await readFile(path.join(resultsDir, "summary.json"), "utf8"));
      return { ...run, resultsDir, summary };
    },
  };
}
