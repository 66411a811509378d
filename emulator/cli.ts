// Command line: `npm run emulator -- --port 8080 [--config FILE] [--profile NAME] [--seed N] [--no-admin] [--host H] [--request-timeout MS]`.
// Runs in the foreground, prints its URL on one line, stops cleanly on SIGINT/SIGTERM; bad input exits 2.

import { start, ConfigError, type RunningEmulator, type StartOptions } from "./index.ts";

const USAGE = "usage: npm run emulator -- [--port N] [--host H] [--config FILE] [--profile NAME] [--seed N] [--no-admin] [--request-timeout MS]";

class UsageError extends Error {}

function parseArgs(argv: string[]): StartOptions {
  const options: StartOptions = { port: 8080 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new UsageError(`missing value for ${flag}`);
      return v;
    };
    switch (flag) {
      case "--port": {
        const v = value();
        const port = Number(v);
        if (!/^\d+$/.test(v) || port > 65535) throw new UsageError(`invalid --port "${v}": expected an integer from 0 to 65535`);
        options.port = port;
        break;
      }
      case "--host":
        options.host = value();
        break;
      case "--config":
        options.configFile = value();
        break;
      case "--profile":
        options.profile = value();
        break;
      case "--seed": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 2 ** 32 - 1) throw new UsageError(`invalid --seed "${v}": expected an integer from 0 to 4294967295`);
        options.seed = Number(v);
        break;
      }
      case "--request-timeout": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 2 ** 31 - 1) {
          throw new UsageError(`invalid --request-timeout "${v}": expected a whole number of milliseconds from 1 to 2147483647`);
        }
        options.requestTimeoutMs = Number(v);
        break;
      }
      case "--no-admin":
        options.admin = false;
        break;
      case "--help":
      case "-h":
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown flag "${arg}"`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: StartOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`gemini-emulator: ${(err as Error).message} (${USAGE})\n`);
    process.exit(2);
  }
  let emulator: RunningEmulator;
  try {
    emulator = await start(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gemini-emulator: ${err.message}\n`);
      process.exit(2);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      process.stderr.write(`gemini-emulator: port ${options.port} is already in use; choose another with --port\n`);
      process.exit(2);
    }
    if (code === "EACCES" || code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
      process.stderr.write(`gemini-emulator: cannot listen on ${options.host ?? "127.0.0.1"}:${options.port} (${code})\n`);
      process.exit(2);
    }
    throw err;
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Printed last: whoever waits for this line may signal us at once.
  process.stdout.write(`gemini-emulator listening on ${emulator.url} (profile ${emulator.state.config.profile})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`gemini-emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
