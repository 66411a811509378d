// Command line: `npm run emulator -- --port 8080 [--config FILE] [--profile NAME] [--seed N] [--no-admin] [--host H] [--request-timeout MS]`.
// Runs in the foreground, prints its URL on one line, stops cleanly on SIGINT/SIGTERM; bad input exits 2.

import { FlagError, parseFlags, runCli, type CliFailure } from "../tools/cli.ts";
import { ConfigError, start, type StartOptions } from "./index.ts";

const NAME = "gemini-emulator";
const USAGE =
  "usage: npm run emulator -- [--port N] [--host H] [--config FILE] [--profile NAME] [--seed N] [--no-admin] [--request-timeout MS]";

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  config: { type: "string" },
  profile: { type: "string" },
  seed: { type: "string" },
  "request-timeout": { type: "string" },
  "no-admin": { type: "boolean" },
} as const;

/** A whole number from `min` to `max` given for `--flag`, or a FlagError naming what it accepts. */
function wholeNumber(flag: string, text: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new FlagError(`invalid --${flag} "${text}": expected ${what}`);
  return Number(text);
}

function startOptions(argv: string[]): StartOptions {
  const { values } = parseFlags(argv, FLAGS);
  const options: StartOptions = { port: 8080 };
  if (values.port !== undefined) options.port = wholeNumber("port", values.port, 0, 65535, "an integer from 0 to 65535");
  if (values.host !== undefined) options.host = values.host;
  if (values.config !== undefined) options.configFile = values.config;
  if (values.profile !== undefined) options.profile = values.profile;
  if (values.seed !== undefined) options.seed = wholeNumber("seed", values.seed, 0, 2 ** 32 - 1, "an integer from 0 to 4294967295");
  if (values["request-timeout"] !== undefined) {
    options.requestTimeoutMs = wholeNumber(
      "request-timeout",
      values["request-timeout"],
      1,
      2 ** 31 - 1,
      "a whole number of milliseconds from 1 to 2147483647",
    );
  }
  if (values["no-admin"]) options.admin = false;
  return options;
}

/** Runs in the foreground until SIGINT or SIGTERM; prints its URL once it listens. */
async function main(argv: string[]): Promise<number> {
  const options = startOptions(argv);
  const emulator = await start(options).catch((error: unknown) => {
    throw listenProblem(error, options) ?? error;
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Printed last: whoever waits for this line may signal us at once.
  process.stdout.write(`${NAME} listening on ${emulator.url} (profile ${emulator.state.config.profile})\n`);
  return 0;
}

/** A port or address the emulator cannot listen on, as the user's mistake (exit 2) rather than a crash. */
function listenProblem(error: unknown, options: StartOptions): ConfigError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") return new ConfigError(`port ${options.port} is already in use; choose another with --port`);
  if (code === "EACCES" || code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new ConfigError(`cannot listen on ${options.host ?? "127.0.0.1"}:${options.port} (${code})`);
  }
  return undefined;
}

/** Bad flags and bad configuration: one line with the usage, exit 2. */
function describeFailure(error: unknown): CliFailure | undefined {
  if (error instanceof FlagError) return { exitCode: 2, lines: [`${NAME}: ${error.message} (${USAGE})`] };
  if (error instanceof ConfigError) return { exitCode: 2, lines: [`${NAME}: ${error.message}`] };
  return undefined;
}

runCli(import.meta.url, NAME, main, { usage: USAGE, describeFailure });
