// Settings of `npm run verify`: its command-line options, plus the GEMINI_* variables parsed by
// the same lib/config.ts the load test uses, so verify checks exactly what k6 will call.
import { ConfigError as LibConfigError, parseConfig as parseLibConfig } from "../lib/config.ts";
import { isRunId } from "./results-file.ts";

/** What the command was asked to do. */
export type VerifyMode = "preflight" | "contract" | "after" | "help";

/** Parsed settings of one verify run. The key must never be printed. */
export interface VerifyConfig {
  mode: VerifyMode;
  baseUrl: string;
  apiKey: string;
  model: string;
  apiVersion: "v1beta" | "v1";
  runId: string | undefined;
  afterRunId: string | undefined;
  resultsDir: string;
  influxUrl: string | undefined;
  timeoutMs: number;
  maxOutputTokens: number | undefined;
  thinkingBudget: number | undefined;
}

/** Thrown with every problem found; each is one line naming the option or variable and the fix. */
export class VerifyConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("; "));
    this.name = "VerifyConfigError";
    this.problems = problems;
  }
}

function parseArgs(argv: readonly string[], problems: string[]): { mode: VerifyMode; afterRunId: string | undefined } {
  let mode: VerifyMode = "preflight";
  let afterRunId: string | undefined;
  const modes = new Set<VerifyMode>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      modes.add("help");
    } else if (arg === "--contract") {
      modes.add("contract");
    } else if (arg === "--after" || arg.startsWith("--after=")) {
      modes.add("after");
      const value = arg === "--after" ? argv[++i] : arg.slice("--after=".length);
      if (!value || value.startsWith("-")) {
        problems.push("--after needs a run id, e.g. npm run verify -- --after 20261126-010203-a1b2");
      } else if (!isRunId(value)) {
        problems.push(`invalid --after: expected a run id such as 20261126-010203-a1b2, got '${value}'`);
      } else {
        afterRunId = value;
      }
    } else {
      problems.push(`unknown option '${arg}': expected --after <run-id>, --contract or --help`);
    }
  }
  if (modes.has("help")) mode = "help";
  else if (modes.size > 1) problems.push("--after and --contract are separate steps: run one at a time");
  else mode = [...modes][0] ?? "preflight";
  return { mode, afterRunId };
}

/** Parses argv (without node and the script) and the environment into a VerifyConfig. */
export function parseVerifyConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): VerifyConfig {
  const problems: string[] = [];
  const { mode, afterRunId } = parseArgs(argv, problems);
  // The budget variables guard load runs against a paid endpoint; verify itself sends a handful
  // of requests, so it must not demand them.
  const libEnv = { ...env, GEMINI_MAX_REQUESTS: env.GEMINI_MAX_REQUESTS?.trim() ? env.GEMINI_MAX_REQUESTS : "1" };
  let lib: ReturnType<typeof parseLibConfig> | undefined;
  try {
    lib = parseLibConfig(libEnv);
  } catch (error) {
    if (!(error instanceof LibConfigError)) throw error;
    problems.push(...error.problems);
  }
  // Checked by --after, the only step that writes to InfluxDB, with the parser every tool uses.
  const influxUrl = env.GEMINI_INFLUXDB_URL?.trim() || undefined;
  if (problems.length > 0 || lib === undefined) throw new VerifyConfigError(problems);
  return {
    mode,
    baseUrl: lib.baseUrl,
    apiKey: lib.apiKey,
    model: lib.model,
    apiVersion: lib.apiVersion,
    runId: lib.runId,
    afterRunId,
    resultsDir: lib.resultsDir,
    influxUrl,
    timeoutMs: lib.timeoutMs,
    maxOutputTokens: lib.maxOutputTokens,
    thinkingBudget: lib.thinkingBudget,
  };
}
