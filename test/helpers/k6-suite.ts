// The set-up most k6 scenario test files share: the scenarios built, one emulator with the fast profile and
// a temporary results root for the whole file, closed and removed after its tests.
import { after, before } from "node:test";
import { rm } from "node:fs/promises";
import { start } from "../../emulator/index.ts";
import { buildScenarios, tempResultsRoot } from "./k6.ts";

/** The file's emulator URL and results root; read them inside tests (they are set in `before`). */
export interface K6Suite {
  readonly url: string;
  readonly resultsRoot: string;
}

/** Registers the file's before/after hooks: builds the scenarios, starts a fast emulator (with `seed` when given) and makes a results root. */
export function fastEmulatorSuite(options: { seed?: number } = {}): K6Suite {
  let emulator: Awaited<ReturnType<typeof start>> | undefined;
  let resultsRoot: string | undefined;
  before(async () => {
    await buildScenarios();
    emulator = await start({ port: 0, profile: "fast", ...options });
    resultsRoot = await tempResultsRoot();
  });
  after(async () => {
    await emulator?.close();
    if (resultsRoot !== undefined) await rm(resultsRoot, { recursive: true, force: true });
  });
  return {
    get url(): string {
      if (!emulator) throw new Error("the emulator starts in before(): read url inside a test");
      return emulator.url;
    },
    get resultsRoot(): string {
      if (resultsRoot === undefined) throw new Error("the results root is made in before(): read it inside a test");
      return resultsRoot;
    },
  };
}
