// Finds the k6 binary to run, building the pinned release through the Go module proxy when no
// suitable one exists. Idempotent: once `.tools/bin/k6` is built, a call costs one `k6 version`.

import { execFile, spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { mkdtemp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { SetupError } from "../errors.ts";
import { TOOLS_BIN } from "../paths.ts";
import { K6_MAJOR, K6_MIN_MINOR, K6_MODULE, K6_VERSION } from "./versions.ts";

const execFileAsync = promisify(execFile);

/** The k6 the suite builds when no suitable one is found. */
export const BUNDLED_K6 = path.join(TOOLS_BIN, "k6");

/** Parses `k6 version` output ("k6 v2.2.0 (go1.26.8, linux/amd64)") into its numbers. */
export function parseK6Version(output: string): { major: number; minor: number; patch: number } | undefined {
  const match = /\bk6 v(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** True when a k6 version is one the suite works with: the pinned major, at least the pinned minor. */
export function isSuitableK6Version(version: { major: number; minor: number }): boolean {
  return version.major === K6_MAJOR && version.minor >= K6_MIN_MINOR;
}

/** Runs `<bin> version`; undefined when the binary is missing or does not answer like k6. */
export async function k6VersionOf(bin: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(bin, ["version"], { timeout: 30_000 });
    return parseK6Version(stdout) ? stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The first executable `name` in a PATH-style list, as an absolute path. */
export function findOnPath(name: string, pathList: string): string | undefined {
  for (const dir of pathList.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

interface EnsureOptions {
  /** Overrides process.env (tests). */
  env?: NodeJS.ProcessEnv;
  /** Progress messages; defaults to stderr so stdout stays clean for callers. */
  log?: (line: string) => void;
}

/**
 * The k6 binary to use: `K6_BIN` when set (it must run), else a `k6` on PATH whose version is
 * v2.2 or newer within v2, else `.tools/bin/k6` at the pinned version, else that binary is built.
 */
export async function ensureK6(options: EnsureOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const override = env.K6_BIN?.trim();
  if (override) {
    const version = await k6VersionOf(override);
    if (!version) {
      throw new SetupError(`K6_BIN=${override} does not run as k6 ("${override} version" failed); point K6_BIN at a k6 binary or unset it`);
    }
    return override;
  }

  const onPath = findOnPath("k6", env.PATH ?? "");
  const onPathVersion = onPath && (await k6VersionOf(onPath));
  if (onPath && onPathVersion) {
    const parsed = parseK6Version(onPathVersion);
    if (parsed && isSuitableK6Version(parsed)) return onPath;
  }

  const bundled = await k6VersionOf(BUNDLED_K6);
  if (bundled?.includes(`k6 v${K6_VERSION} `)) return BUNDLED_K6;

  await buildK6(BUNDLED_K6, { env, log });
  return BUNDLED_K6;
}

/** Builds the pinned k6 release into `outPath` from a throwaway Go module. */
export async function buildK6(outPath: string, options: EnsureOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const go = await goVersion(env);
  if (!go) {
    throw new SetupError(
      `no suitable k6 found and Go is not installed to build k6 v${K6_VERSION}: install Go 1.21 or newer (https://go.dev/doc/install; it fetches the Go 1.25 toolchain k6 needs) or set K6_BIN to a k6 v${K6_MAJOR}.${K6_MIN_MINOR}+ binary`,
    );
  }
  log(`Building k6 v${K6_VERSION} with ${go} into ${path.relative(process.cwd(), outPath) || outPath} (about a minute, once)…`);
  await mkdir(path.dirname(outPath), { recursive: true });
  const workDir = await mkdtemp(path.join(tmpdir(), "gemini-k6-build-"));
  try {
    // `go install go.k6.io/k6/v2@vX` fails: the proxy serves no version list for the /v2 path and
    // go's deprecation check needs one. Requiring the version from a module of our own avoids it.
    const goLine = go.replace(/^go/, "").split(".").slice(0, 2).join(".");
    const goModule = `module gemini-k6/k6build\n\ngo ${goLine}\n\nrequire ${K6_MODULE} v${K6_VERSION}\n`;
    await writeFile(path.join(workDir, "go.mod"), goModule);
    const tempOut = `${outPath}.partial-${process.pid}`;
    await runInherited("go", ["build", "-o", tempOut, K6_MODULE], {
      cwd: workDir,
      env: {
        ...env,
        GOFLAGS: "-mod=mod",
        // k6's release builds are static; this also spares machines without a C compiler.
        CGO_ENABLED: env.CGO_ENABLED ?? "0",
        GOPROXY: env.GOPROXY || "https://proxy.golang.org,direct",
      },
    });
    await rename(tempOut, outPath);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const built = await k6VersionOf(outPath);
  if (!built) throw new SetupError(`built ${outPath} but it does not run; delete it and try again`);
  log(`Built ${built}`);
}

async function goVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync("go", ["version"], { env, timeout: 30_000 });
    return /go\d+\.\d+(\.\d+)?/.exec(stdout)?.[0];
  } catch {
    return undefined;
  }
}

function runInherited(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new SetupError(`"${command} ${args.join(" ")}" failed (${signal ?? `exit ${code}`}); see the output above`));
    });
  });
}
