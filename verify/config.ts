// Settings of `npm run verify`: its command-line options, plus the GEMINI_* variables parsed by
// the same lib/config.ts the load test uses, so verify checks exactly what k6 will call.
import { parseArgs as parseFlags } from "node:util";
import { ConfigError as LibConfigError, parseConfig as parseLibConfig } from "../lib/config.ts";
import { BASELINE_CALLS, preflightBudgetProblem } from "./preflight.ts";
import { resolveResultsRoot } from "../tools/results/store.ts";
import { isRunId } from "./results-file.ts";

/** What the command was asked to do. */
type VerifyMode = "preflight" | "contract" | "after" | "help";

/** Parsed settings of one verify run. The key must never be printed. */
export interface VerifyConfig {
  mode: VerifyMode;
  baseUrl: string;
  apiKey: string;
  model: string;
  apiVersion: "v1beta" | "v1";
  /** GEMINI_DIALECT: which API surface and SDK the preflight and contract check use. */
  dialect: "native" | "openai";
  runId: string | undefined;
  afterRunId: string | undefined;
  resultsDir: string;
  influxUrl: string | undefined;
  timeoutMs: number;
  maxOutputTokens: number | undefined;
  thinkingBudget: number | undefined;
  /** Sequential calls of the baseline (--baseline-calls, else GEMINI_VERIFY_BASELINE_CALLS, else 10). */
  baselineCalls: number;
  /** Whether the baseline's calls stream, as the load test will (GEMINI_STREAM). */
  stream: boolean;
  isLoopback: boolean;
  /** GEMINI_MAX_REQUESTS when the user set it; verify's own requests must fit in it. */
  maxRequests: number | undefined;
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

const USAGE = "expected --after <run-id>, --contract, --baseline-calls <n> or --help";

interface Flags {
  mode: VerifyMode;
  afterRunId: string | undefined;
  baselineCalls: string | undefined;
}

/** node:util's parse errors, as one line naming the flag and what it takes. */
function flagProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const named = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option '${named}': ${USAGE}`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `unexpected argument '${/'([^']*)'/.exec(message)?.[1] ?? ""}': ${USAGE}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && named.startsWith("--after")) {
    return "--after needs a run id, e.g. npm run verify -- --after 20261126-010203-a1b2";
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && named.startsWith("--baseline-calls")) {
    return `--baseline-calls needs a number of calls, e.g. --baseline-calls ${BASELINE_CALLS.default}`;
  }
  return `${message.split("\n")[0] ?? message}: ${USAGE}`;
}

function parseCommandLine(argv: readonly string[], problems: string[]): Flags {
  let values: { help?: boolean; contract?: boolean; after?: string; "baseline-calls"?: string };
  try {
    values = parseFlags({
      args: [...argv],
      options: {
        help: { type: "boolean", short: "h" },
        contract: { type: "boolean" },
        after: { type: "string" },
        "baseline-calls": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    problems.push(flagProblem(error));
    return { mode: "preflight", afterRunId: undefined, baselineCalls: undefined };
  }
  let afterRunId: string | undefined;
  if (values.after !== undefined) {
    if (!isRunId(values.after)) problems.push(`invalid --after: expected a run id such as 20261126-010203-a1b2, got '${values.after}'`);
    else afterRunId = values.after;
  }
  let mode: VerifyMode = "preflight";
  if (values.help) mode = "help";
  else if (values.contract && values.after !== undefined) problems.push("--after and --contract are separate steps: run one at a time");
  else if (values.contract) mode = "contract";
  else if (values.after !== undefined) mode = "after";
  return { mode, afterRunId, baselineCalls: values["baseline-calls"] };
}

/** The number of baseline calls from the flag or the variable; a bad value is one problem naming its source. */
function parseBaselineCalls(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, problems: string[]): number {
  const fromEnv = env.GEMINI_VERIFY_BASELINE_CALLS?.trim();
  const [source, text] = flag !== undefined ? ["--baseline-calls", flag.trim()] : ["GEMINI_VERIFY_BASELINE_CALLS", fromEnv];
  if (text === undefined || text === "") return BASELINE_CALLS.default;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= BASELINE_CALLS.min && n <= BASELINE_CALLS.max)) {
    problems.push(`invalid ${source}: expected a whole number of calls from ${BASELINE_CALLS.min} to ${BASELINE_CALLS.max}, got '${text}'`);
    return BASELINE_CALLS.default;
  }
  return n;
}

/** Parses argv (without node and the script) and the environment into a VerifyConfig. */
export function parseVerifyConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): VerifyConfig {
  const problems: string[] = [];
  const { mode, afterRunId, baselineCalls: baselineFlag } = parseCommandLine(argv, problems);
  const baselineCalls = parseBaselineCalls(baselineFlag, env, problems);
  // The budget variables guard load runs against a paid endpoint; verify itself sends a handful
  // of requests, so it must not demand them, but a GEMINI_MAX_REQUESTS the user set caps them too.
  const budgetSet = Boolean(env.GEMINI_MAX_REQUESTS?.trim());
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
  if (lib !== undefined && mode === "preflight") {
    const overBudget = preflightBudgetProblem({ baselineCalls, maxRequests: budgetSet ? lib.budget.maxRequests : undefined });
    if (overBudget) problems.push(overBudget);
  }
  if (problems.length > 0 || lib === undefined) throw new VerifyConfigError(problems);
  return {
    mode,
    baseUrl: lib.baseUrl,
    apiKey: lib.apiKey,
    model: lib.model,
    apiVersion: lib.apiVersion,
    dialect: lib.dialect,
    runId: lib.runId,
    afterRunId,
    // Resolved like every tool's (a relative GEMINI_RESULTS_DIR from the folder npm was run in).
    resultsDir: resolveResultsRoot(env),
    influxUrl,
    timeoutMs: lib.timeoutMs,
    maxOutputTokens: lib.maxOutputTokens,
    thinkingBudget: lib.thinkingBudget,
    baselineCalls,
    stream: lib.stream,
    isLoopback: lib.isLoopback,
    maxRequests: budgetSet ? lib.budget.maxRequests : undefined,
  };
}
