// The failures the Node tools report to the user as one line, no stack trace; tools/cli.ts maps
// each to its exit code.

/** A problem the user must fix before anything can run (missing Go, a broken K6_BIN, a bad setting): exit 1. */
export class SetupError extends Error {
  override name = "SetupError";
}

/** Bad user input (arguments, run ids, URLs): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** InfluxDB unreachable or failing: exit 3 in the results tools. */
export class InfluxError extends Error {
  override name = "InfluxError";
  /** The HTTP status InfluxDB answered with, when it answered at all. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}
