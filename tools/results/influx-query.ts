// A small InfluxQL client over the v1 `/query` API, which InfluxDB 1.x, 2.x (with DBRP mappings)
// and 3.x all serve, plus parsing of our `GEMINI_INFLUXDB_URL` form `http://host:8086/<db>`.

import { InfluxError, UsageError } from "../errors.ts";

/** Where the results live: server base URL (no trailing slash), database, optional credentials. */
export interface InfluxTarget {
  baseUrl: string;
  database: string;
  username?: string;
  password?: string;
  /** Where the URL came from ("--influx", "GEMINI_INFLUXDB_URL"), so a message names what to change. */
  source?: string;
}

/** The database URL used when neither `--influx` nor `GEMINI_INFLUXDB_URL` is given. */
export const DEFAULT_INFLUXDB_URL = "http://127.0.0.1:8086/k6";

/** The URL text with any password replaced by `***`, for messages (parseable or not). */
function maskPassword(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^/@:]*):[^/@]*@/i, "$1:***@");
}

/**
 * Parses `http://[user:pass@]host:port/<db>`; the database defaults to `k6`. The one parser of
 * `GEMINI_INFLUXDB_URL` and `--influx` for every tool; its messages never show the password.
 */
export function parseInfluxUrl(text: string, name = "InfluxDB URL"): InfluxTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid ${name} ${JSON.stringify(maskPassword(text))}: expected e.g. ${DEFAULT_INFLUXDB_URL}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`invalid ${name} ${JSON.stringify(maskPassword(text))}: expected an http(s) URL such as ${DEFAULT_INFLUXDB_URL}`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, "")) || "k6";
  const target: InfluxTarget = { baseUrl: `${url.protocol}//${url.host}`, database, source: name };
  if (url.username) target.username = decodeURIComponent(url.username);
  if (url.password) target.password = decodeURIComponent(url.password);
  return target;
}

/** The target from an explicit URL, else `GEMINI_INFLUXDB_URL`, else the local default. */
export function resolveInfluxTarget(explicit?: string, env: NodeJS.ProcessEnv = process.env): InfluxTarget {
  if (explicit) return parseInfluxUrl(explicit, "--influx");
  if (env.GEMINI_INFLUXDB_URL?.trim()) return parseInfluxUrl(env.GEMINI_INFLUXDB_URL.trim(), "GEMINI_INFLUXDB_URL");
  return parseInfluxUrl(DEFAULT_INFLUXDB_URL);
}

/** How to point the tool at another server: the setting the URL came from. */
function otherUrlHint(target: InfluxTarget): string {
  if (target.source === "GEMINI_INFLUXDB_URL") return "set GEMINI_INFLUXDB_URL to a running InfluxDB";
  if (target.source === "--influx") return "pass --influx with a running InfluxDB's URL";
  return "pass --influx URL (or set GEMINI_INFLUXDB_URL)";
}

/** The target without credentials, for messages. */
export function describeTarget(target: InfluxTarget): string {
  return `${target.baseUrl}/${target.database}`;
}

/** One series of a query answer. */
export interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** One statement's answer: its series, or the error InfluxDB reported for it. */
export interface StatementResult {
  statement_id?: number;
  series?: Series[];
  error?: string;
}

/** Runs InfluxQL (one or more `;`-separated statements) and returns every statement's result. */
export async function queryInflux(
  target: InfluxTarget,
  query: string,
  options: { method?: "GET" | "POST"; epoch?: "ms" | "ns" } = {},
): Promise<StatementResult[]> {
  const params = new URLSearchParams({ db: target.database, q: query });
  if (options.epoch) params.set("epoch", options.epoch);
  const headers = authHeaders(target);
  const method = options.method ?? "GET";
  let response: Response;
  try {
    response =
      method === "GET"
        ? await fetch(`${target.baseUrl}/query?${params}`, { headers, signal: AbortSignal.timeout(30_000) })
        : await fetch(`${target.baseUrl}/query`, {
            method,
            headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
            body: params.toString(),
            signal: AbortSignal.timeout(30_000),
          });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new InfluxError(
      `cannot reach InfluxDB at ${target.baseUrl} (${cause}): start it with \`npm run influxdb\` or \`docker compose up -d\`, or ${otherUrlHint(target)}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    // One line: a server that is not InfluxDB may answer with a pretty-printed JSON or HTML page.
    throw new InfluxError(
      `InfluxDB at ${target.baseUrl} answered ${response.status}: ${text.replace(/\s+/g, " ").trim().slice(0, 300)}`,
      response.status,
    );
  }
  let body: { results?: StatementResult[]; error?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = {};
  }
  if (typeof body !== "object" || body === null || (!Array.isArray(body.results) && typeof body.error !== "string")) {
    throw new InfluxError(
      `${target.baseUrl} did not answer like InfluxDB's /query API; is this Grafana's port? (InfluxDB listens on 8086 by default)`,
    );
  }
  if (body.error) throw new InfluxError(`InfluxDB error: ${body.error}`);
  return body.results ?? [];
}

/**
 * Runs several statements in one request. InfluxDB 1.8 answers a batch against a missing database
 * with a bare "not executed"; the first statement is then run alone to learn the real error.
 */
export async function queryStatements(
  target: InfluxTarget,
  statements: string[],
  options: { method?: "GET" | "POST"; epoch?: "ms" | "ns" } = {},
): Promise<StatementResult[]> {
  const results = await queryInflux(target, statements.join("; "), options);
  if (statements.length > 1 && results.some((result) => result.error === "not executed")) {
    const [first] = await queryInflux(target, statements[0] ?? "", options);
    if (first?.error) return [first];
  }
  return results;
}

/** Runs one statement and returns its series; a statement error becomes an `InfluxError`. */
export async function querySeries(target: InfluxTarget, query: string): Promise<Series[]> {
  const [result] = await queryInflux(target, query);
  if (result?.error) {
    if (/database not found/.test(result.error)) {
      throw new InfluxError(`database "${target.database}" does not exist at ${target.baseUrl}: no run has been stored there yet`);
    }
    throw new InfluxError(`InfluxDB error for ${query}: ${result.error}`);
  }
  return result?.series ?? [];
}

/** The error InfluxDB gives when a database is missing; with several statements the first says so, the rest "not executed". */
export function isDatabaseNotFound(results: StatementResult[]): boolean {
  return results.some((result) => result.error !== undefined && /database not found/.test(result.error));
}

const REFUSED_FOR_RIGHTS = /requires admin privilege|not authorized|authorization failed/i;

/**
 * Creates the database if it is missing (a no-op when it exists). A user with `GRANT ALL ON <db>`
 * but no admin rights may not run CREATE DATABASE: that refusal is ignored, so the write that
 * follows reports a real problem (a missing database, missing rights) in its own words.
 */
export async function createDatabase(target: InfluxTarget): Promise<void> {
  let results: StatementResult[];
  try {
    results = await queryInflux(target, `CREATE DATABASE ${quoteIdentifier(target.database)}`, { method: "POST" });
  } catch (error) {
    if (error instanceof InfluxError && (error.status === 401 || error.status === 403 || REFUSED_FOR_RIGHTS.test(error.message))) return;
    throw error;
  }
  const [result] = results;
  if (result?.error && !REFUSED_FOR_RIGHTS.test(result.error))
    throw new InfluxError(`cannot create database "${target.database}": ${result.error}`);
}

/** `Authorization` header for the target's credentials (none without a user name). */
export function authHeaders(target: InfluxTarget): Record<string, string> {
  if (target.username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${target.username}:${target.password ?? ""}`).toString("base64")}` };
}

/** Quotes an InfluxQL identifier (measurement, tag or database name). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Quotes an InfluxQL string literal (a tag value). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
