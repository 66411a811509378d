// Idempotent machine setup shared by `npm start` and `npm test`: makes sure every external tool
// the suite runs is present. Quick once done; run directly with `npx tsx tools/setup/setup.ts`.

import { EXIT, parseFlags, runCli } from "../cli.ts";
import { ensureK6 } from "./k6.ts";

/** What setup found or built. */
export interface SetupResult {
  k6: string;
}

/** Ensures the external tools exist (building them on first use) and returns their paths. */
export async function setup(): Promise<SetupResult> {
  const k6 = await ensureK6();
  return { k6 };
}

runCli(
  import.meta.url,
  "setup",
  async (argv) => {
    parseFlags(argv, {});
    const result = await setup();
    process.stdout.write(`setup: k6 ${result.k6}\n`);
    return EXIT.ok;
  },
  { usage: "usage: npm run setup (no arguments): finds or builds the k6 binary the suite runs" },
);
