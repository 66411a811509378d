// Idempotent machine setup shared by `npm start` and `npm test`: makes sure every external tool
// the suite runs is present. Quick once done; run directly with `npx tsx tools/setup.ts`.

import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureK6, SetupError } from "./k6.ts";

/** What setup found or built. */
export interface SetupResult {
  k6: string;
}

/** Ensures the external tools exist (building them on first use) and returns their paths. */
export async function setup(): Promise<SetupResult> {
  const k6 = await ensureK6();
  return { k6 };
}

/** Prints a user-facing error as one line and exits; anything else is a bug and keeps its stack. */
export function exitOnSetupError(error: unknown): never {
  if (error instanceof SetupError) {
    process.stderr.write(`setup: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const result = await setup();
    process.stdout.write(`setup: k6 ${result.k6}\n`);
  } catch (error) {
    exitOnSetupError(error);
  }
}
