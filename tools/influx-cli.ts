// Shared command-line plumbing for the InfluxDB tools: argument reading and one-line failures
// with distinct exit codes (1 regression, 2 bad input, 3 InfluxDB unreachable or failing, 4 a
// partial import of a damaged metrics file).
import { InfluxError, UsageError } from "./influx-query.ts";

export { UsageError };

/** Exit codes shared by `compare`, `runs` and `results:import`. */
export const EXIT = { ok: 0, regression: 1, usage: 2, influx: 3, damaged: 4 } as const;

/**
 * Splits `argv` into positional arguments and `--name value` / `--name=value` options. `--help` / `-h`
 * set `help`. An option in `combined` may be repeated, its values joined by commas (e.g. several
 * `--fail-on` rule lists); any other option given twice is a UsageError rather than a silent override.
 */
export function parseArgs(
  argv: string[],
  valueOptions: string[],
  combined: string[] = [],
): { positional: string[]; options: Map<string, string>; help: boolean } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name = "", inline] = arg.slice(2).split(/=(.*)/s);
    if (!valueOptions.includes(name)) {
      throw new UsageError(`unknown option --${name}: accepted options are ${[...valueOptions.map((option) => `--${option}`), "--help"].join(", ")}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    const earlier = options.get(name);
    if (earlier !== undefined && !combined.includes(name)) throw new UsageError(`option --${name} is given twice: give it once`);
    options.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return { positional, options, help };
}

/** Runs a tool's main function; failures print one line (no stack trace) and set the exit code. */
export function runCli(tool: string, main: () => Promise<number>): void {
  main().then(
    (code) => { process.exitCode = code; },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${tool}: ${message}\n`);
      process.exitCode = error instanceof UsageError ? EXIT.usage : error instanceof InfluxError ? EXIT.influx : 1;
      if (!(error instanceof UsageError || error instanceof InfluxError) && process.env.DEBUG) console.error(error);
    },
  );
}
