// Finds actionlint, the GitHub Actions workflow linter the CI tests run over .github/workflows/,
// building the pinned release through the Go module proxy into .tools/bin/ when none is there.
// Idempotent: once built, a call costs one `actionlint -version`.
import { execFile } from "node:child_process";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { SetupError } from "../errors.ts";
import { TOOLS_BIN } from "../paths.ts";
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { ACTIONLINT_MODULE, ACTIONLINT_VERSION } from "./versions.ts";

const execFileAsync = promisify(execFile);

/** The actionlint the suite builds. */
export const BUNDLED_ACTIONLINT = path.join(TOOLS_BIN, "actionlint");

/** `actionlint -version`'s first line ("v1.7.12"), or undefined when the binary is missing or broken. */
export async function actionlintVersionOf(bin: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(bin, ["-version"], { timeout: 30_000 });
    return stdout.split("\n")[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `.tools/bin/actionlint` at the pinned version, built with `go install` when it is missing or another version. */
export async function ensureActionlint(options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if ((await actionlintVersionOf(BUNDLED_ACTIONLINT)) === `v${ACTIONLINT_VERSION}`) return BUNDLED_ACTIONLINT;
  log(`Building actionlint v${ACTIONLINT_VERSION} into ${path.relative(process.cwd(), BUNDLED_ACTIONLINT)} (once)…`);
  await mkdir(TOOLS_BIN, { recursive: true });
  // GOBIN gets the binary; a private folder first, so a failed build never leaves half a file in place.
  const gobin = path.join(TOOLS_BIN, `.actionlint-${process.pid}`);
  try {
    await execFileAsync("go", ["install", `${ACTIONLINT_MODULE}@v${ACTIONLINT_VERSION}`], {
      env: { ...env, GOBIN: gobin, CGO_ENABLED: "0", GOPROXY: env.GOPROXY || "https://proxy.golang.org,direct" },
      timeout: 900_000,
    });
    await rename(path.join(gobin, "actionlint"), BUNDLED_ACTIONLINT);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && (error as { path?: string }).path === "go")
      throw new SetupError("Go is not installed to build actionlint: install Go 1.21 or newer (https://go.dev/doc/install)");
    if (error instanceof SetupError) throw error;
    const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
    throw new SetupError(`building actionlint failed: ${stderr.split("\n").pop() || (error as Error).message}`);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
  const built = await actionlintVersionOf(BUNDLED_ACTIONLINT);
  if (built !== `v${ACTIONLINT_VERSION}`) throw new SetupError(`built ${BUNDLED_ACTIONLINT} but it does not run; delete it and try again`);
  return BUNDLED_ACTIONLINT;
}

runCli(
  import.meta.url,
  "actionlint",
  async (argv) => {
    parseFlags(argv, {});
    process.stdout.write(`actionlint ${await ensureActionlint()}\n`);
    return EXIT.ok;
  },
  { usage: "usage: npx tsx tools/setup/actionlint.ts (no arguments): finds or builds the pinned actionlint" },
);
