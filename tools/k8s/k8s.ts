// `npm run k8s -- [SCRIPT] --parallelism N [--shape …]`: writes a ready k6-operator TestRun and the
// ConfigMap with the scenario's k6 archive into a folder, for `kubectl apply`. The runners get the
// same GEMINI_* settings as a local run, GEMINI_RUNNERS=N, one GEMINI_RUN_ID, and the API key from a
// Secret reference: the key itself is never read, written or archived (docs/distributed-and-ci.md).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { ConfigError, displayUrl, parseConfig } from "../../lib/config.ts";
import { newRunId } from "../../lib/run-id.ts";
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { SetupError, UsageError } from "../errors.ts";
import { REPO_ROOT } from "../paths.ts";
import { TAGS_AS_FIELDS } from "../results/influx-output.ts";
import { resolveResultsRoot } from "../results/store.ts";
import { ensureK6 } from "../setup/k6.ts";
import { K6_VERSION } from "../setup/versions.ts";
import { configMapManifest, type DistributedRun, objectName, RUNNER_RESULTS_DIR, testRunManifest } from "./manifest.ts";

const execFileAsync = promisify(execFile);

/** Variables the tool sets itself or that belong to the machine it runs on, not to the runners. */
const NOT_PASSED = new Set([
  "GEMINI_API_KEY",
  "GEMINI_RUN_ID",
  "GEMINI_RUNNERS",
  "GEMINI_RESULTS_DIR",
  "GEMINI_DASHBOARD",
  "GEMINI_INFLUXDB_URL",
  "GEMINI_EMULATOR_PROFILE",
]);

/** Stands in for the key while k6 archives the script (its config check needs one); the runners get theirs from the Secret. */
const KEY_PLACEHOLDER = "set-by-the-runner-from-its-secret";

/** What `npm run k8s` was asked for. */
export interface K8sRequest {
  script: string;
  parallelism: number;
  /** GEMINI_* settings from the environment, the flags applied. */
  settings: Record<string, string>;
  runId: string;
  name: string;
  namespace?: string;
  secret: { name: string; key: string };
  image: string;
  influxUrl?: string;
  out: string;
}

/** The GEMINI_* settings of `env` that the runners should get. */
export function runnerSettings(env: Record<string, string | undefined>): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("GEMINI_") && !NOT_PASSED.has(name) && value !== undefined && value !== "") settings[name] = value;
  }
  return settings;
}

/** Checks the runners' settings as k6 will (every bad variable at once) and that the pods can reach the target. */
export function checkSettings(request: Pick<K8sRequest, "settings" | "runId" | "parallelism">): void {
  const config = parseConfig({
    ...request.settings,
    GEMINI_API_KEY: KEY_PLACEHOLDER,
    GEMINI_RUN_ID: request.runId,
    GEMINI_RUNNERS: String(request.parallelism),
  });
  if (config.isLoopback) {
    throw new UsageError(
      `invalid GEMINI_BASE_URL: ${displayUrl(config.baseUrl)} is each runner pod itself; set GEMINI_BASE_URL to an address the pods reach (the API, or an emulator's Service)`,
    );
  }
}

/** Bundles the scenario and archives it with k6 (script, data files and the options the settings give). */
async function archiveScenario(request: K8sRequest, build: boolean): Promise<Buffer> {
  const bundle = path.join(REPO_ROOT, "dist", `${request.script}.js`);
  if (build) await execFileAsync(process.execPath, ["build.mjs"], { cwd: REPO_ROOT, timeout: 300_000 });
  if (!existsSync(bundle))
    throw new UsageError(`no scenario ${request.script}: dist/${request.script}.js was not built (scenarios/ lists them)`);
  const k6 = await ensureK6({ log: () => {} });
  const work = await mkdtemp(path.join(tmpdir(), "gemini-k6-archive-"));
  try {
    const file = path.join(work, "archive.tar");
    // The archive keeps the options k6 computes now, so it is made with the runners' settings; its
    // environment holds only those (and the placeholder key), never the shell's.
    const env: Record<string, string> = {
      ...request.settings,
      GEMINI_API_KEY: KEY_PLACEHOLDER,
      GEMINI_RUN_ID: request.runId,
      GEMINI_RUNNERS: String(request.parallelism),
      GEMINI_RESULTS_DIR: RUNNER_RESULTS_DIR,
    };
    const args = ["archive", "--quiet", ...Object.entries(env).flatMap(([name, value]) => ["-e", `${name}=${value}`]), "-O", file, bundle];
    try {
      await execFileAsync(k6, args, {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? work },
        timeout: 120_000,
      });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
      throw new SetupError(`k6 archive failed: ${stderr.split("\n").pop() ?? (error as Error).message}`);
    }
    return await readFile(file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes testrun.yaml and configmap.yaml for `request`; returns their paths. */
export async function writeManifests(request: K8sRequest, archive: Buffer): Promise<{ testRun: string; configMap: string }> {
  const run: DistributedRun = {
    name: request.name,
    ...(request.namespace ? { namespace: request.namespace } : {}),
    runId: request.runId,
    parallelism: request.parallelism,
    archiveFile: `${request.script}.tar`,
    archive,
    settings: request.settings,
    secret: request.secret,
    image: request.image,
    ...(request.influxUrl ? { influxUrl: request.influxUrl } : {}),
    tagsAsFields: TAGS_AS_FIELDS,
  };
  await mkdir(request.out, { recursive: true });
  const testRun = path.join(request.out, "testrun.yaml");
  const configMap = path.join(request.out, "configmap.yaml");
  await writeFile(configMap, stringify(configMapManifest(run), { lineWidth: 0 }));
  await writeFile(testRun, stringify(testRunManifest(run), { lineWidth: 0 }));
  return { testRun, configMap };
}

const USAGE = `usage: npm run k8s -- [SCRIPT] --parallelism N [--shape smoke|load|stress|spike|soak|breakpoint] [--name NAME] [--namespace NS] [--secret NAME] [--image IMAGE] [--influx URL] [--out FOLDER] [--no-build]
SCRIPT is a file in scenarios/ (default moderation). Runner settings come from your GEMINI_* variables; the key from the Secret NAME (default gemini-api-key, key api-key).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      parallelism: { type: "string" },
      shape: { type: "string" },
      name: { type: "string" },
      namespace: { type: "string" },
      secret: { type: "string" },
      image: { type: "string" },
      influx: { type: "string" },
      out: { type: "string" },
      "no-build": { type: "boolean" },
    },
    { positionals: true },
  );
  if (positionals.length > 1) throw new UsageError(`one scenario at a time, got ${positionals.join(" ")}; ${USAGE}`);
  const script = (positionals[0] ?? "moderation").replace(/^scenarios\//, "").replace(/\.(ts|js)$/, "");
  const parallelism = Number(values.parallelism);
  if (values.parallelism === undefined || !Number.isInteger(parallelism) || parallelism < 1 || parallelism > 1000)
    throw new UsageError(`invalid --parallelism: expected a whole number of runners from 1 to 1000, got '${values.parallelism ?? ""}'`);
  const settings = runnerSettings(process.env);
  if (values.shape) settings.GEMINI_SHAPE = values.shape;
  const runId = process.env.GEMINI_RUN_ID?.trim() || newRunId(new Date());
  const influxUrl = values.influx ?? process.env.GEMINI_INFLUXDB_URL?.trim();
  if (influxUrl) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(influxUrl);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol))
      throw new UsageError(
        `invalid --influx: expected an http(s) URL of the cluster's InfluxDB database, such as http://influxdb:8086/k6, got '${influxUrl}'`,
      );
    if (parsed.username || parsed.password)
      throw new UsageError(
        "invalid --influx: credentials would be written into the manifest; give the URL without them and add K6_INFLUXDB_USERNAME/_PASSWORD to the runners from a Secret",
      );
  }
  const request: K8sRequest = {
    script,
    parallelism,
    settings,
    runId,
    name: values.name ?? objectName("gemini-k6", runId),
    ...(values.namespace ? { namespace: values.namespace } : {}),
    secret: { name: values.secret ?? "gemini-api-key", key: "api-key" },
    image: values.image ?? `grafana/k6:${K6_VERSION}`,
    ...(influxUrl ? { influxUrl } : {}),
    out: values.out ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out) : path.join(resolveResultsRoot(), runId, "k8s"),
  };
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(request.name))
    throw new UsageError(`invalid --name: expected lowercase letters, digits and '-' (at most 63), got '${request.name}'`);
  try {
    checkSettings(request);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const archive = await archiveScenario(request, !values["no-build"]);
  const files = await writeManifests(request, archive);
  const ns = request.namespace ? ` -n ${request.namespace}` : "";
  process.stdout.write(
    [
      `run ${runId}: ${parallelism} runners of ${script}, written to ${path.relative(process.cwd(), request.out) || "."}`,
      "apply them (server-side: the archive is too big for kubectl's last-applied annotation):",
      `  kubectl${ns} create secret generic ${request.secret.name} --from-literal=${request.secret.key}="$GEMINI_API_KEY"   # once`,
      `  kubectl${ns} apply --server-side -f ${files.configMap} -f ${files.testRun}`,
      `  kubectl${ns} get testrun ${request.name} -w`,
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}

runCli(import.meta.url, "k8s", main, { usage: USAGE });
