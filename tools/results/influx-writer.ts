// The one way our tools write to InfluxDB: `@influxdata/influxdb-client`'s WriteApi on the
// `/api/v2/write` endpoint, which InfluxDB 1.8+ serves for compatibility (bucket = "database" or
// "database/retention-policy", org ignored, token = "username:password"). Used for annotations,
// rollups, imported samples and verify's figures.
import { HttpError, InfluxDB, setLogger, type Point, type WritePrecisionType } from "@influxdata/influxdb-client";
import { InfluxError } from "../errors.ts";
import { createDatabase, describeTarget, type InfluxTarget } from "./influx-query.ts";

/** What a write sends: client `Point`s and/or ready line-protocol lines. */
export interface InfluxBatch {
  points?: Point[];
  lines?: string[];
}

export interface WriteOptions {
  /** Timestamp precision of `lines` and of Points' timestamps (default ms). */
  precision?: WritePrecisionType;
  /** What is being written, for the error message ("the run annotations"). */
  what: string;
  /** Lines per request (default 5000). */
  batchSize?: number;
  /** Create the database first (default true; a user without admin rights is let through). */
  createDatabase?: boolean;
}

/** An open write: add points or lines as they come (sent in batches), then `close()` to wait for all of it. */
export interface InfluxWriter {
  write(batch: InfluxBatch): void;
  /** Sends what is left and resolves once InfluxDB has accepted everything; rejects with an `InfluxError`. */
  close(): Promise<void>;
}

/**
 * Opens a writer to the target's database (its default retention policy). A failure is an
 * `InfluxError` naming `what` and the target, never the password; the client's own logging (stack
 * traces) is silenced until `close()` settles.
 */
export async function openInfluxWriter(target: InfluxTarget, options: WriteOptions): Promise<InfluxWriter> {
  if (options.createDatabase ?? true) await createDatabase(target);
  const token = target.username === undefined ? "" : `${target.username}:${target.password ?? ""}`;
  const writeApi = new InfluxDB({ url: target.baseUrl, token, timeout: 60_000 }).getWriteApi(
    "",
    target.database,
    options.precision ?? "ms",
    {
      batchSize: options.batchSize ?? 5000,
      maxRetries: 0,
      maxBufferLines: Number.MAX_SAFE_INTEGER,
    },
  );
  const previousLogger = setLogger({ error: () => undefined, warn: () => undefined });
  return {
    write(batch) {
      if (batch.points) writeApi.writePoints(batch.points);
      if (batch.lines) writeApi.writeRecords(batch.lines);
    },
    async close() {
      try {
        await writeApi.close();
      } catch (error) {
        throw writeError(target, options.what, error);
      } finally {
        setLogger(previousLogger);
      }
    },
  };
}

/** Writes one batch and waits until InfluxDB has accepted it (see `openInfluxWriter`); an empty batch writes nothing. */
export async function writeInflux(target: InfluxTarget, batch: InfluxBatch, options: WriteOptions): Promise<void> {
  if ((batch.points?.length ?? 0) === 0 && (batch.lines?.length ?? 0) === 0) return;
  const writer = await openInfluxWriter(target, options);
  writer.write(batch);
  await writer.close();
}

function writeError(target: InfluxTarget, what: string, error: unknown): InfluxError {
  if (error instanceof HttpError) {
    const body = (error.body ?? error.message).replace(/\s+/g, " ").trim().slice(0, 300);
    return new InfluxError(`InfluxDB at ${describeTarget(target)} refused ${what} (${error.statusCode}): ${body}`, error.statusCode);
  }
  const cause =
    (error as { code?: string; cause?: { code?: string } }).code ??
    (error as { cause?: { code?: string } }).cause?.code ??
    (error as Error).message;
  return new InfluxError(`cannot write ${what} to ${describeTarget(target)} (${cause}): start InfluxDB, then try again`);
}
