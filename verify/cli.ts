// `npm run verify`: the command-line front of the verification step. tools/cli.ts runCli maps every
// failure to verify's exit code and a one-line hint, never a stack trace or the API key.
import path from "node:path";
import { displayUrl } from "../lib/config.ts";
import { newRunId } from "../lib/run-id.ts";
import { type CliFailure, runCli } from "../tools/cli.ts";
import { runAfter } from "./after.ts";
import { parseVerifyConfig, VerifyConfigError, type VerifyConfig } from "./config.ts";
import { formatContract, runContractCheck, type ContractResult } from "./contract.ts";
import { formatOpenAiContract, runOpenAiContractCheck, type OpenAiContractResult } from "./openai-contract.ts";
import { classifyError, FAILURES, VerifyFailure } from "./failures.ts";
import { describePreflightPlan, runPreflight } from "./preflight.ts";
import { runOpenAiPreflight } from "./openai-preflight.ts";
import { formatAfter, formatPreflight, helpText } from "./report.ts";
import { redact, redactValue } from "./redact.ts";
import { mergeVerifyJson } from "./results-file.ts";

function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}

async function preflight(config: VerifyConfig, out: (text: string) => void): Promise<number> {
  const runId = config.runId ?? newRunId(new Date());
  // A paid endpoint is told what the preflight will spend before its first request.
  if (!config.isLoopback) out(describePreflightPlan(config, displayUrl(config.baseUrl)));
  const result = await (config.dialect === "openai" ? runOpenAiPreflight(config) : runPreflight(config));
  const file = await mergeVerifyJson(config.resultsDir, runId, "preflight", redactValue(result, config.apiKey));
  out(formatPreflight(result, runId, shown(file)));
  return result.failure?.exitCode ?? 0;
}

async function contract(config: VerifyConfig, out: (text: string) => void): Promise<number> {
  const result = config.dialect === "openai" ? await runOpenAiContractCheck(config) : await runContractCheck(config);
  out(config.dialect === "openai" ? formatOpenAiContract(result as OpenAiContractResult) : formatContract(result as ContractResult));
  if (config.runId) {
    const part = {
      at: new Date().toISOString(),
      ok: result.ok,
      comparisons: result.comparisons.map((c) => ({ method: c.method, sdk: c.sdk, differences: c.differences, tolerated: c.tolerated })),
      skipped: result.skipped,
    };
    await mergeVerifyJson(config.resultsDir, config.runId, "contract", redactValue(part, config.apiKey));
  }
  if (result.ok) return 0;
  out(`  hint: ${FAILURES.contract_drift.hint}`);
  return FAILURES.contract_drift.exitCode;
}

async function after(
  config: VerifyConfig,
  env: Readonly<Record<string, string | undefined>>,
  out: (text: string) => void,
): Promise<number> {
  const runId = config.afterRunId;
  if (!runId) throw new VerifyFailure("bad_usage", "--after needs a run id");
  const targetExplicit = Boolean(env.GEMINI_BASE_URL?.trim());
  const { result, file } = await runAfter({ ...config, runId, influxUrl: config.influxUrl, targetExplicit, log: out });
  out(formatAfter(result, shown(file)));
  return 0;
}

/** Verify's failure classes as the runner prints them: its exit code, a one-line title and a hint. */
function describeFailure(error: unknown): CliFailure {
  if (error instanceof VerifyConfigError) {
    return {
      exitCode: FAILURES.bad_usage.exitCode,
      lines: [...error.problems.map((problem) => `verify: ${problem}`), `hint: ${FAILURES.bad_usage.hint}`],
    };
  }
  const failure = error instanceof VerifyFailure ? error : classifyError(error);
  const info = FAILURES[failure.failure];
  return { exitCode: info.exitCode, lines: [`verify: ${info.title}: ${failure.message}`, `hint: ${info.hint}`] };
}

/** Runs the command and returns its exit code; a failure is thrown for `runCli` to report. */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  out: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    out(helpText());
    return 0;
  }
  const config = parseVerifyConfig(argv, env);
  const key = config.apiKey;
  const safeOut = (text: string): void => out(redact(text, key));
  if (config.mode === "contract") return await contract(config, safeOut);
  if (config.mode === "after") return await after(config, env, safeOut);
  return await preflight(config, safeOut);
}

// The key as given, so that a failure before the config parsed (or echoed by a server) never shows it.
const givenKey = process.env.GEMINI_API_KEY?.trim() ?? "";
runCli(import.meta.url, "verify", (argv) => main(argv), { usage: helpText(), describeFailure, redact: (text) => redact(text, givenKey) });
