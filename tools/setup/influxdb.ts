// A local InfluxDB 1.8 for the tests and for users without Docker: finds or builds `influxd`,
// starts it on 127.0.0.1 with its own config and data directory, and stops it again.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { EXIT, FlagError, parseFlags, runCli } from "../cli.ts";
import { REPO_ROOT, TOOLS_BIN } from "../paths.ts";

const execFileAsync = promisify(execFile);

/** The pinned InfluxDB release: the first 1.x with the `/api/v2/write` compatibility endpoint is 1.8. */
export const INFLUXDB_VERSION = "v1.8.10";
const INFLUXDB_MODULE = "github.com/influxdata/influxdb/cmd/influxd";

/** A running InfluxDB: `url` has no trailing slash; `close()` stops it and removes a temporary data dir. */
export interface InfluxServer {
  url: string;
  port: number;
  dataDir: string;
  /** With `auth: true`: an admin, and a user with `GRANT ALL` on the `k6` database (which exists) but no admin rights. */
  users?: { admin: InfluxUser; writer: InfluxUser };
  close(): Promise<void>;
}

export interface InfluxUser {
  username: string;
  password: string;
}

export interface StartInfluxOptions {
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  /** Keep data here (created if missing, never deleted); default: a temporary directory removed by `close()`. */
  dataDir?: string;
  /** Print InfluxDB's own log lines (errors only) to stderr. */
  verbose?: boolean;
  /** Turn on authentication and create the users listed in `InfluxServer.users` (for tests of non-admin writers). */
  auth?: boolean;
}

const TEST_USERS = { admin: { username: "admin", password: "admin-secret" }, writer: { username: "writer", password: "writer-secret" } };

/**
 * The `influxd` binary to use: `INFLUXD_BIN`, else our pinned build in `.tools/bin`, else an
 * `influxd` on PATH reporting 1.8 or newer within 1.x, else it is built through the Go module proxy.
 */
export async function ensureInfluxd(): Promise<string> {
  const fromEnv = process.env.INFLUXD_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`INFLUXD_BIN points to ${fromEnv}, which does not exist: fix the path or unset it`);
    return fromEnv;
  }
  // A `go install` build reports "vunknown", so our own pinned build is trusted by its path.
  const pinned = join(TOOLS_BIN, "influxd");
  if (existsSync(pinned)) return pinned;
  const onPath = await influxdOnPath();
  if (onPath) return onPath;
  await buildInfluxd();
  return pinned;
}

async function influxdOnPath(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync("influxd", ["version"], { timeout: 10_000 });
    const match = /v?(\d+)\.(\d+)\.\d+/.exec(stdout);
    if (match && Number(match[1]) === 1 && Number(match[2]) >= 8) return "influxd";
  } catch {
    // not installed: fall through to building it
  }
  return undefined;
}

async function buildInfluxd(): Promise<void> {
  await mkdir(TOOLS_BIN, { recursive: true });
  process.stderr.write(`building influxd ${INFLUXDB_VERSION} with Go into ${TOOLS_BIN} (about a minute)…\n`);
  try {
    await execFileAsync("go", ["install", `${INFLUXDB_MODULE}@${INFLUXDB_VERSION}`], {
      env: { ...process.env, GOBIN: TOOLS_BIN },
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-3).join(" ") ?? String(error);
    throw new Error(`could not build influxd ${INFLUXDB_VERSION} (needs Go 1.20+ and the Go module proxy): ${detail}`);
  }
}

/** A port that was free a moment ago (InfluxDB cannot report the port it picked for `:0`). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function configText(dataDir: string, httpPort: number, rpcPort: number, auth: boolean): string {
  const dir = (name: string) => JSON.stringify(join(dataDir, name));
  // influxd also opens the backup RPC port 8088 by default: moved so that parallel servers never collide.
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = ${dir("meta")}

[data]
  dir = ${dir("data")}
  wal-dir = ${dir("wal")}
  query-log-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  flux-enabled = false
  auth-enabled = ${auth}

[monitor]
  store-enabled = false

[logging]
  level = "error"
  suppress-logo = true
`;
}

/** Starts InfluxDB on 127.0.0.1 and resolves once `/ping` answers. */
export async function startInfluxDB(options: StartInfluxOptions = {}): Promise<InfluxServer> {
  const binary = await ensureInfluxd();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "gemini-influxdb-")));
  await mkdir(dataDir, { recursive: true });
  let lastError: unknown;
  // A picked port can be taken by someone else before influxd binds it: try a few times.
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = options.port || (await freePort());
    // A given port must be free now: otherwise the ping below could be answered by whatever holds it,
    // and the data folder's config would be rewritten for a server that never starts.
    if (options.port && !(await isPortFree(options.port))) {
      throw new Error(`port ${options.port} on 127.0.0.1 is already in use (another InfluxDB?): stop it or choose another with --port`);
    }
    const rpcPort = await freePort();
    const configFile = join(dataDir, "influxdb.conf");
    await writeFile(configFile, configText(dataDir, port, rpcPort, options.auth === true));
    const child = spawn(binary, ["run", "-config", configFile], {
      stdio: ["ignore", options.verbose ? "inherit" : "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      if (options.verbose) process.stderr.write(chunk);
    });
    const url = `http://127.0.0.1:${port}`;
    // A test process that ends without close() must not leave its database running.
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    child.once("exit", () => process.off("exit", killOnExit));
    try {
      await waitForPing(url, child, () => stderr);
      await confirmStillRunning(child, () => stderr);
      if (options.auth) await createTestUsers(url);
      return {
        url,
        port,
        dataDir,
        ...(options.auth ? { users: TEST_USERS } : {}),
        close: async () => {
          await stopProcess(child);
          if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stopProcess(child);
      if (options.port) break;
    }
  }
  if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** With auth on and no user yet, InfluxDB accepts one unauthenticated CREATE USER … WITH ALL PRIVILEGES. */
async function createTestUsers(url: string): Promise<void> {
  const { admin, writer } = TEST_USERS;
  const statements = [
    `CREATE USER "${admin.username}" WITH PASSWORD '${admin.password}' WITH ALL PRIVILEGES`,
    `CREATE DATABASE "k6"`,
    `CREATE USER "${writer.username}" WITH PASSWORD '${writer.password}'`,
    `GRANT ALL ON "k6" TO "${writer.username}"`,
  ];
  for (const [index, q] of statements.entries()) {
    const headers: Record<string, string> =
      index === 0 ? {} : { authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}` };
    const response = await fetch(`${url}/query`, { method: "POST", headers, body: new URLSearchParams({ q }) });
    const text = await response.text();
    if (!response.ok || /"error"/.test(text))
      throw new Error(`could not set up the test users (${q.replace(/'[^']*'/, "'…'")}): ${response.status} ${text.trim()}`);
  }
}

/** True when nothing listens on `port` at 127.0.0.1 (this process could bind it). */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

/**
 * The ping proves that something answers, not that it is our influxd: one that lost a race for its
 * port exits moments after start-up. Still running a little after the ping means it is ours.
 */
async function confirmStillRunning(child: ChildProcess, stderr: () => string): Promise<void> {
  await new Promise((done) => setTimeout(done, 300));
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`influxd exited right after start-up (another server answered its port): ${stderr().trim() || "no output"}`);
  }
}

async function waitForPing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`influxd exited before it was ready: ${stderr().trim() || "no output"}`);
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`influxd did not answer ${url}/ping within 30 s: ${stderr().trim()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const USAGE = `usage: npm run influxdb [-- --port 8086] [--data-dir .tools/influxdb-data]
Starts InfluxDB ${INFLUXDB_VERSION} on 127.0.0.1 (port 0: any free port); Ctrl-C stops it.`;

/** The command line: `--port N` and `--data-dir DIR`; anything else is a usage error. */
export function parseInfluxdbArgs(argv: string[]): { port: number; dataDir: string } {
  const { values } = parseFlags(argv, { port: { type: "string" }, "data-dir": { type: "string" } });
  const portText = values.port ?? "8086";
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FlagError(`invalid --port: expected a number from 0 (any free port) to 65535, got ${portText}`);
  }
  const dataDir = values["data-dir"]
    ? resolve(process.env.INIT_CWD ?? process.cwd(), values["data-dir"])
    : join(REPO_ROOT, ".tools", "influxdb-data");
  return { port, dataDir };
}

async function main(argv: string[]): Promise<number> {
  const { port, dataDir } = parseInfluxdbArgs(argv);
  const server = await startInfluxDB({ port, dataDir, verbose: true });
  process.stdout.write(`InfluxDB ${INFLUXDB_VERSION} listening on ${server.url} (data in ${dataDir}); Ctrl-C stops it\n`);
  process.stdout.write(`run with: GEMINI_INFLUXDB_URL=${server.url}/k6 npm run load\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return EXIT.ok;
}

runCli(import.meta.url, "influxdb", main, { usage: USAGE });
