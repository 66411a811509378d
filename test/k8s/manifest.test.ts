// npm run k8s writes a TestRun and its ConfigMap that the k6-operator's TestRun schema accepts
// (test/fixtures/k6-operator/), with the runners' settings, one run id, the runner count, the
// InfluxDB output and the key only as a Secret reference; the archive carries the runners' options.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runCaptured } from "../helpers/exec.ts";
import { buildScenarios, cleanEnv } from "../helpers/k6.ts";

const KEY = "AIza-test-key-that-must-not-appear-0123456789";
let work: string;

before(async () => {
  await buildScenarios();
  work = await mkdtemp(path.join(tmpdir(), "gemini-k6-k8s-"));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function validator() {
  const schema = JSON.parse(await readFile(path.join(REPO_ROOT, "test", "fixtures", "k6-operator", "testrun.schema.json"), "utf8"));
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

function k8s(args: string[], env: Record<string, string>) {
  return runCaptured(process.execPath, ["--import", "tsx", "tools/k8s/k8s.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), INIT_CWD: work, ...env },
    timeoutMs: 120_000,
  });
}

test("the TestRun and ConfigMap are valid for the operator and carry the run's settings, never the key", async () => {
  const run = await k8s(["moderation", "--parallelism", "3", "--shape", "load", "--no-build", "--out", "out"], {
    GEMINI_BASE_URL: "https://generativelanguage.googleapis.com",
    GEMINI_API_KEY: KEY,
    GEMINI_MAX_REQUESTS: "1000",
    GEMINI_SCENARIO: "open",
    GEMINI_RATE: "6",
    GEMINI_RUN_ID: "dist-20261203",
    GEMINI_INFLUXDB_URL: "http://influxdb.monitoring:8086/k6",
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /kubectl apply --server-side -f .*configmap\.yaml -f .*testrun\.yaml/);

  const out = path.join(work, "out");
  const testRun = parse(await readFile(path.join(out, "testrun.yaml"), "utf8"));
  const configMap = parse(await readFile(path.join(out, "configmap.yaml"), "utf8"));
  const validate = await validator();
  const valid = validate({ ...testRun }); // a copy: the type guard would narrow testRun to unknown
  assert.ok(valid, JSON.stringify(validate.errors));

  assert.equal(testRun.spec.parallelism, 3);
  assert.equal(testRun.spec.separate, true);
  assert.deepEqual(testRun.spec.script.configMap, { name: "gemini-k6-dist-20261203", file: "moderation.tar" });
  assert.equal(configMap.kind, "ConfigMap");
  assert.equal(configMap.metadata.name, testRun.spec.script.configMap.name);
  assert.equal(testRun.spec.arguments, "--no-color --out influxdb=http://influxdb.monitoring:8086/k6");
  const env = new Map(
    testRun.spec.runner.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]),
  );
  assert.equal(env.get("GEMINI_RUNNERS"), "3");
  assert.equal(env.get("GEMINI_RUN_ID"), "dist-20261203");
  assert.equal(env.get("GEMINI_RATE"), "6");
  assert.equal(env.get("GEMINI_SHAPE"), "load");
  assert.equal(env.get("GEMINI_MAX_REQUESTS"), "1000");
  assert.equal(env.get("K6_INFLUXDB_TAGS_AS_FIELDS"), "vu:int,iter:int,url");
  assert.deepEqual(env.get("GEMINI_API_KEY"), { secretKeyRef: { name: "gemini-api-key", key: "api-key" } });
  assert.equal(env.has("GEMINI_INFLUXDB_URL"), false);

  // The archive: the bundle, its data files, and the options the runners' settings give.
  const tar = path.join(work, "moderation.tar");
  const archive = Buffer.from(configMap.binaryData["moderation.tar"], "base64");
  await writeFile(tar, archive);
  const listing = execFileSync("tar", ["-tf", tar], { encoding: "utf8" });
  assert.match(listing, /dist\/moderation\.js/);
  assert.match(listing, /data\/prices\.json/);
  const metadata = JSON.parse(execFileSync("tar", ["-xOf", tar, "metadata.json"], { encoding: "utf8" }));
  assert.equal(metadata.options.tags.testid, "dist-20261203");
  assert.equal(metadata.options.scenarios.open_constant_arrival.rate, 6);
  // Each runner aborts on its share of the budget: (1000 + 3 × (a request, its 0.1 retry)) / 3, rounded up.
  assert.equal(metadata.options.thresholds.http_reqs[0].threshold, "count<=335");

  for (const file of await readdir(out)) assert.doesNotMatch(await readFile(path.join(out, file), "utf8"), new RegExp(KEY));
  assert.doesNotMatch(archive.toString("latin1"), new RegExp(KEY));
});

test("the schema has teeth: a misspelt field or a missing script fails it", async () => {
  const validate = await validator();
  const good = {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: { name: "run" },
    spec: { parallelism: 2, script: { configMap: { name: "run", file: "moderation.tar" } } },
  };
  assert.ok(validate(good), JSON.stringify(validate.errors));
  assert.equal(validate({ ...good, spec: { ...good.spec, paralelism: 2 } }), false);
  assert.equal(validate({ ...good, spec: { parallelism: 2 } }), false);
  const env = [{ name: "GEMINI_API_KEY", valueFrom: { secretKeyRef: { name: "s" } } }];
  assert.equal(validate({ ...good, spec: { ...good.spec, runner: { env } } }), false, "secretKeyRef needs its key");
});

test("bad input stops with one line naming the fix", async () => {
  const loopback = await k8s(["--parallelism", "2", "--no-build", "--out", "bad"], { GEMINI_MAX_REQUESTS: "10" });
  assert.equal(loopback.code, 2);
  assert.equal(
    loopback.stderr.trim(),
    "k8s: invalid GEMINI_BASE_URL: http://127.0.0.1:8080 is each runner pod itself; set GEMINI_BASE_URL to an address the pods reach (the API, or an emulator's Service)",
  );
  const parallelism = await k8s(["--parallelism", "zero", "--no-build"], {});
  assert.equal(parallelism.code, 2);
  assert.match(parallelism.stderr, /^k8s: invalid --parallelism: expected a whole number of runners from 1 to 1000, got 'zero'\n/);
});
