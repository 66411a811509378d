// tools/setup/influxdb.ts: a real InfluxDB 1.8 on free ports with its own data directory, speaking the
// v1 API (InfluxQL, /write) and the /api/v2/write endpoint @influxdata/influxdb-client uses.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { InfluxDB, Point } from "@influxdata/influxdb-client";
import { ensureInfluxd, parseInfluxdbArgs, startInfluxDB, type InfluxServer } from "../../tools/setup/influxdb.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runCaptured } from "../helpers/exec.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { createDatabase, querySeries } from "../../tools/results/influx-query.ts";

const started: InfluxServer[] = [];
const dirs: string[] = [];

after(async () => {
  for (const server of started) await server.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test("two servers run side by side on their own ports (HTTP and RPC) and answer the v1 and v2 write APIs", async () => {
  // One after the other: the second starts while the first runs, and neither can answer the
  // other's readiness check by having picked the same free port at the same moment.
  const one = await startInfluxDB();
  const two = await startInfluxDB();
  started.push(one, two);
  assert.notEqual(one.port, two.port);
  const config = await readFile(join(one.dataDir, "influxdb.conf"), "utf8");
  assert.match(config, /^bind-address = "127\.0\.0\.1:\d+"$/m, "the RPC port is moved off 8088");
  assert.doesNotMatch(config, /:8088"/);
  assert.match(config, /reporting-disabled = true/);

  const ping = await fetch(`${one.url}/ping`);
  assert.equal(ping.status, 204);
  assert.match(ping.headers.get("x-influxdb-version") ?? "", /^(1\.8\.\d+|unknown)$/);

  const target = { baseUrl: one.url, database: "k6" };
  await createDatabase(target);
  const v1 = await fetch(`${one.url}/write?db=k6&precision=ms`, { method: "POST", body: "probe,api=v1 value=1 1700000000000" });
  assert.equal(v1.status, 204);
  const writeApi = new InfluxDB({ url: one.url, token: "" }).getWriteApi("", "k6", "ms", { maxRetries: 0 });
  writeApi.writePoint(new Point("probe").tag("api", "v2").floatField("value", 2).timestamp(new Date(1700000000001)));
  await writeApi.close();
  const [series] = await querySeries(target, `SELECT "value", "api" FROM "probe"`);
  assert.deepEqual(
    series?.values.map((row) => [row[1], row[2]]),
    [
      [1, "v1"],
      [2, "v2"],
    ],
  );
  const [others] = await querySeries({ baseUrl: two.url, database: "k6" }, "SHOW DATABASES");
  assert.ok(!(others?.values ?? []).flat().includes("k6"), "the second server has its own, empty data directory");
});

test("close() stops the server and removes its temporary data; a given data directory is kept and reused", async () => {
  const server = await startInfluxDB();
  await server.close();
  assert.equal(existsSync(server.dataDir), false);
  await assert.rejects(fetch(`${server.url}/ping`));

  const dataDir = await mkdtemp(join(tmpdir(), "gemini-influx-keep-"));
  dirs.push(dataDir);
  const first = await startInfluxDB({ dataDir });
  await createDatabase({ baseUrl: first.url, database: "kept" });
  await first.close();
  assert.ok(existsSync(join(dataDir, "meta")));
  const second = await startInfluxDB({ dataDir });
  started.push(second);
  const [databases] = await querySeries({ baseUrl: second.url, database: "kept" }, "SHOW DATABASES");
  assert.ok((databases?.values ?? []).flat().includes("kept"), "the database survived the restart");
});

test("INFLUXD_BIN overrides the binary and a wrong path is named", async () => {
  const saved = process.env.INFLUXD_BIN;
  try {
    process.env.INFLUXD_BIN = "/nonexistent/influxd";
    await assert.rejects(ensureInfluxd(), /INFLUXD_BIN points to \/nonexistent\/influxd, which does not exist/);
    delete process.env.INFLUXD_BIN;
    const binary = await ensureInfluxd();
    assert.ok(existsSync(binary) || binary === "influxd");
  } finally {
    if (saved === undefined) delete process.env.INFLUXD_BIN;
    else process.env.INFLUXD_BIN = saved;
  }
});

test("`npm run influxdb -- --port 0` starts on a free port and stops on SIGTERM", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "gemini-influx-cli-"));
  const child = spawn(process.execPath, ["--import", "tsx", "tools/setup/influxdb.ts", "--port", "0", "--data-dir", dataDir], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    assert.notEqual(new URL(url).port, "0");
    assert.equal((await fetch(`${url}/ping`)).status, 204);
  } finally {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a given port that is taken is refused before influxd starts, and the data folder's config is left alone", async () => {
  const taken = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
  const dataDir = await mkdtemp(join(tmpdir(), "gemini-influx-taken-"));
  dirs.push(dataDir);
  try {
    const port = (taken.address() as AddressInfo).port;
    // The server on that port answers /ping with 204, as InfluxDB would: only the port check tells them apart.
    await assert.rejects(startInfluxDB({ port, dataDir }), /port \d+ on 127\.0\.0\.1 is already in use .*choose another with --port/);
    assert.equal(existsSync(join(dataDir, "influxdb.conf")), false, "influxdb.conf was written for a server that never started");
  } finally {
    await new Promise((done) => taken.close(done));
  }
});

test("`npm run influxdb` prints its usage for --help and refuses unknown arguments, starting nothing", async () => {
  const help = await runCaptured(process.execPath, ["--import", "tsx", "tools/setup/influxdb.ts", "--help"], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: 30_000,
  });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: npm run influxdb \[-- --port 8086\] \[--data-dir/);
  assert.doesNotMatch(help.stdout, /listening/);
  const typo = await runCaptured(process.execPath, ["--import", "tsx", "tools/setup/influxdb.ts", "--prot", "9999"], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: 30_000,
  });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^influxdb: unknown option --prot: accepted options are --port, --data-dir, --help\nusage: npm run influxdb/);
  assert.throws(() => parseInfluxdbArgs(["extra"]), /unexpected argument extra/);
  assert.throws(() => parseInfluxdbArgs(["--port", "65536"]), /invalid --port: expected a number from 0/);
  assert.deepEqual(parseInfluxdbArgs(["--port", "0", "--data-dir", "/tmp/x"]), { port: 0, dataDir: "/tmp/x" });
});
