// Command-line plumbing shared by every Node tool: flags parsed with node:util parseArgs, and one
// place that turns a tool's failure into one line on stderr and its exit code.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../lib/config.ts";
import { InfluxError, SetupError, UsageError } from "./errors.ts";

/** Exit codes shared by the tools: `compare`, `runs`, `results:import` use all of them, `npm run load` 0–2. */
export const EXIT = { ok: 0, regression: 1, setup: 1, usage: 2, influx: 3, damaged: 4 } as const;

/** A malformed command line: the tool's usage is printed after the message. */
export class FlagError extends UsageError {
  override name = "FlagError";
}

/** Thrown by `parseFlags` for `--help`/`-h`; `runCli` prints the usage and exits 0. */
export class HelpRequested extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
type FlagValue<O> = O extends { type: "boolean" }
  ? O extends { multiple: true }
    ? boolean[]
    : boolean
  : O extends { multiple: true }
    ? string[]
    : string;
/** What `parseFlags` returns for each option: absent when not given. */
export type FlagValues<T extends Options> = { [K in keyof T]?: FlagValue<T[K]> };

/**
 * `parseArgs` in strict mode with `--help`/`-h` added; its errors become one-line `FlagError`s. An
 * option without `multiple: true` given twice is refused instead of the last one silently winning.
 */
export function parseFlags<T extends Options>(
  argv: string[],
  options: T,
  config: { positionals?: boolean } = {},
): { values: FlagValues<T>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: config.positionals ?? false,
      tokens: true,
    });
  } catch (error) {
    throw new FlagError(flagMessage(error as Error & { code?: string }, Object.keys(options)));
  }
  if (parsed.values.help) throw new HelpRequested();
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option" || options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new FlagError(`option --${token.name} is given twice: give it once`);
    seen.add(token.name);
  }
  return { values: parsed.values as FlagValues<T>, positionals: parsed.positionals };
}

function flagMessage(error: Error & { code?: string }, names: string[]): string {
  const first = error.message.split("\n")[0] ?? "bad arguments";
  const option = /'(-[^' ]+)/.exec(first)?.[1];
  const accepted = [...names.map((name) => `--${name}`), "--help"].join(", ");
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}: accepted options are ${accepted}`;
  if (error.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
    return `unexpected argument ${/'([^']*)'/.exec(first)?.[1] ?? ""}: this command takes options only (${accepted})`;
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && / argument missing/.test(first))
    return `option ${option?.split(" ")[0]} needs a value`;
  return first;
}

/** A failure as a tool with its own exit codes reports it: the lines for stderr and the code. */
export interface CliFailure {
  exitCode: number;
  lines: string[];
}

export interface CliOptions {
  /** Printed for `--help` (stdout) and after a malformed command line (stderr). */
  usage: string;
  /**
   * The tool's own failure classes (verify's exit codes 10–17 and hints): asked first, and what it
   * returns is printed and exited with; undefined falls back to the shared classes below.
   */
  describeFailure?: (error: unknown) => CliFailure | undefined;
  /** Applied to every line the runner writes to stderr (e.g. removing an API key an error echoed). */
  redact?: (text: string) => string;
}

/**
 * Runs a tool's `main(argv)` when `moduleUrl` is the script node was started with, and sets the
 * exit code: `main`'s number, or for a failure the tool's own `describeFailure`, else one line
 * `<name>: <message>` and 2 for bad input (UsageError, ConfigError), 1 for a setup problem, 3 for
 * InfluxDB. Anything else is a bug: its message, and the stack with DEBUG set.
 */
export function runCli(moduleUrl: string, name: string, main: (argv: string[]) => Promise<number>, options: CliOptions): void {
  const script = process.argv[1];
  if (!script || moduleUrl !== pathToFileURL(path.resolve(script)).href) return;
  void main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const redact = options.redact ?? ((text: string) => text);
      if (error instanceof HelpRequested) {
        process.stdout.write(`${options.usage}\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      const own = options.describeFailure?.(error);
      if (own) {
        process.exitCode = own.exitCode;
        process.stderr.write(own.lines.map((line) => `${redact(line)}\n`).join(""));
        return;
      }
      process.exitCode = exitCodeOf(error);
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(redact(`${name}: ${message}\n${error instanceof FlagError ? `${options.usage}\n` : ""}`));
      if (process.exitCode === 1 && !(error instanceof SetupError) && process.env.DEBUG)
        console.error(redact(String(error instanceof Error ? error.stack : error)));
    },
  );
}

/** The exit code for a failure. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return EXIT.usage;
  if (error instanceof InfluxError) return EXIT.influx;
  return EXIT.setup;
}
