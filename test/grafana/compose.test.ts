// docker-compose.yml and the Grafana provisioning, checked without Docker (it does not run here):
// mounted paths exist, ports agree with the provisioning, images are pinned, health checks gate
// start-up, and the provisioned datasource is the one every dashboard references.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { REPO_ROOT } from "../../tools/paths.ts";

interface Service {
  image?: string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string>;
  command?: string[];
}

const compose = parse(readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8")) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const datasources = parse(readFileSync(join(REPO_ROOT, "grafana/provisioning/datasources/influxdb.yml"), "utf8")) as {
  apiVersion: number;
  datasources: { uid: string; type: string; url: string; jsonData?: { dbName?: string; version?: string } }[];
};
const providers = parse(readFileSync(join(REPO_ROOT, "grafana/provisioning/dashboards/gemini-k6.yml"), "utf8")) as {
  apiVersion: number;
  providers: { type: string; options: { path: string } }[];
};

/** Container port published for a service, from "127.0.0.1:8086:8086" style entries. */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((entry) => Number(entry.split(":").at(-1)));
}

/** host path → container path for bind mounts (named volumes skipped). */
function bindMounts(service: Service): [string, string][] {
  return (service.volumes ?? [])
    .map((entry) => entry.split(":"))
    .filter(([source]) => source!.startsWith(".") || source!.startsWith("/"))
    .map(([source, target]) => [source!, target!]);
}

test("InfluxDB, Grafana and the emulator are defined with pinned images", () => {
  assert.deepEqual(Object.keys(services).sort(), ["emulator", "grafana", "influxdb"]);
  for (const [name, service] of Object.entries(services)) {
    const image = service.image ?? "";
    assert.match(image, /^[\w./-]+:\d+(\.\d+)+[\w.-]*$/, `${name}: image ${image} is not pinned to a version`);
    assert.doesNotMatch(image, /:latest$/);
  }
  assert.match(services.influxdb!.image!, /^influxdb:1\.(8|9|1\d)\./, "InfluxDB 1.8+ (v1 API and /api/v2/write)");
});

test("every service has a health check and Grafana waits for a healthy InfluxDB", () => {
  for (const [name, service] of Object.entries(services)) {
    const check = service.healthcheck?.test;
    assert.ok(Array.isArray(check) && check[0] === "CMD" && check.length > 1, `${name} has no CMD health check`);
  }
  const dependsOn = services.grafana!.depends_on;
  assert.ok(dependsOn && !Array.isArray(dependsOn), "grafana depends_on must use conditions");
  assert.equal(dependsOn.influxdb?.condition, "service_healthy");
  assert.match([services.influxdb!.healthcheck!.test!].flat().join(" "), /:8086\/ping/);
});

test("every mounted host path exists and the provisioning is mounted where Grafana reads it", () => {
  for (const [name, service] of Object.entries(services)) {
    for (const [source] of bindMounts(service)) {
      assert.ok(existsSync(join(REPO_ROOT, source)), `${name} mounts ${source}, which does not exist`);
    }
  }
  const grafanaMounts = new Map(bindMounts(services.grafana!).map(([source, target]) => [target, source]));
  assert.equal(grafanaMounts.get("/etc/grafana/provisioning"), "./grafana/provisioning");
  const provider = providers.providers[0]!;
  assert.equal(provider.type, "file");
  const dashboardSource = grafanaMounts.get(provider.options.path);
  assert.ok(dashboardSource, `nothing is mounted at the dashboard provider path ${provider.options.path}`);
  const files = readdirSync(join(REPO_ROOT, dashboardSource)).filter((file) => file.endsWith(".json"));
  assert.deepEqual(files.sort(), ["compare-runs.json", "gemini-load-test.json"]);
  const home = services.grafana!.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? "";
  assert.ok(
    home.startsWith(`${provider.options.path}/`) &&
      statSync(join(REPO_ROOT, dashboardSource, home.slice(provider.options.path.length + 1))).isFile(),
  );
  for (const named of (services.influxdb!.volumes ?? []).map((entry) => entry.split(":")[0]!).filter((source) => !/^[./]/.test(source))) {
    assert.ok(compose.volumes && named in compose.volumes, `named volume ${named} is not declared`);
  }
});

test("ports agree: the datasource reaches InfluxDB's published port by service name, the emulator listens where it is published", () => {
  assert.equal(datasources.apiVersion, 1);
  const [source] = datasources.datasources;
  assert.ok(source);
  assert.equal(source.type, "influxdb");
  assert.equal(source.jsonData?.version, "InfluxQL", "the dashboards' raw queries are InfluxQL");
  const url = new URL(source.url);
  assert.equal(url.hostname, "influxdb", "the datasource must use the compose service name");
  assert.ok(containerPorts(services.influxdb!).includes(Number(url.port)), `InfluxDB does not publish ${url.port}`);
  assert.equal(source.jsonData?.dbName, services.influxdb!.environment?.INFLUXDB_DB);
  assert.equal(source.jsonData?.dbName, "k6", "k6's InfluxDB output writes to the database named in GEMINI_INFLUXDB_URL (k6 in the docs)");
  assert.ok(containerPorts(services.grafana!).includes(3000));
  // The command is a shell line (npm ci, then the emulator), so the flags are read from its text.
  const command = (services.emulator!.command ?? []).join(" ");
  const port = Number(/--port (\d+)/.exec(command)?.[1]);
  assert.match(command, /--host 0\.0\.0\.0/, "inside a container the emulator must listen on every interface");
  assert.ok(containerPorts(services.emulator!).includes(port), `emulator listens on ${port} but publishes ${services.emulator!.ports}`);
  const entry = /\S+\.ts\b/.exec(command)?.[0] ?? "missing.ts";
  assert.ok(existsSync(join(REPO_ROOT, entry)), `the emulator entry point ${entry} exists`);
});

test("every dashboard references the provisioned datasource by uid, never the default one", () => {
  const uid = datasources.datasources[0]!.uid;
  assert.equal(uid, "gemini-influxdb");
  for (const file of ["gemini-load-test.json", "compare-runs.json"]) {
    const text = readFileSync(join(REPO_ROOT, "grafana/dashboards", file), "utf8");
    const refs: unknown[] = [];
    JSON.parse(text, (key, value: unknown) => {
      if (key === "datasource") refs.push(value);
      return value;
    });
    assert.ok(refs.length > 5, `${file} has only ${refs.length} datasource references`);
    for (const ref of refs) {
      assert.ok(typeof ref === "object" && ref !== null, `${file}: datasource given by name (${JSON.stringify(ref)})`);
      const { uid: refUid, type } = ref as { uid?: string; type?: string };
      if (type === "grafana") continue;
      assert.equal(refUid, uid, `${file}: datasource ${JSON.stringify(ref)}`);
    }
  }
});
