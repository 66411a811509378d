// The k6-operator objects of a distributed run, built as plain data: a TestRun (k6.io/v1alpha1) whose
// runners each run one equal execution segment, and the ConfigMap holding the k6 archive (the bundle
// with its data files). Pure; tools/k8s/k8s.ts writes them, test/k8s/ checks them against the CRD.

/** One runner environment variable: a plain value, or a key of a Secret (never the secret itself). */
export type EnvVar = { name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/** What the manifests are made of. */
export interface DistributedRun {
  /** Object names (DNS-1123 labels): the TestRun's and the ConfigMap's. */
  name: string;
  namespace?: string;
  runId: string;
  parallelism: number;
  /** The archive's key in the ConfigMap, e.g. "moderation.tar", and its bytes. */
  archiveFile: string;
  archive: Buffer;
  /** GEMINI_* settings for every runner, the key excluded. */
  settings: Record<string, string>;
  /** The Secret and its key holding GEMINI_API_KEY. */
  secret: { name: string; key: string };
  /** The runners' image, e.g. grafana/k6:2.2.0. */
  image: string;
  /** `--out influxdb=…` for the cluster's InfluxDB, when given. */
  influxUrl?: string;
  /** K6_INFLUXDB_TAGS_AS_FIELDS, as the local runs set it. */
  tagsAsFields: string;
}

/** Where each runner writes its summary files: an emptyDir the init container prepares (k6 cannot create folders). */
export const RUNNER_RESULTS_DIR = "/results";

/** The k6 arguments every runner gets (the operator adds the execution segment and --paused). */
export function runnerArguments(run: Pick<DistributedRun, "influxUrl">): string {
  return ["--no-color", ...(run.influxUrl ? ["--out", `influxdb=${run.influxUrl}`] : [])].join(" ");
}

/** The runner environment: the settings, the run id and the runner count, the key from its Secret. */
export function runnerEnv(run: DistributedRun): EnvVar[] {
  const plain: Record<string, string> = {
    ...run.settings,
    GEMINI_RUN_ID: run.runId,
    GEMINI_RUNNERS: String(run.parallelism),
    GEMINI_RESULTS_DIR: RUNNER_RESULTS_DIR,
    ...(run.influxUrl ? { K6_INFLUXDB_TAGS_AS_FIELDS: run.tagsAsFields } : {}),
  };
  return [
    ...Object.keys(plain)
      .sort()
      .map((name) => ({ name, value: plain[name] as string })),
    { name: "GEMINI_API_KEY", valueFrom: { secretKeyRef: { name: run.secret.name, key: run.secret.key } } },
  ];
}

function metadata(run: DistributedRun, name: string) {
  return {
    name,
    ...(run.namespace ? { namespace: run.namespace } : {}),
    labels: { "app.kubernetes.io/part-of": "gemini-k6", "gemini-k6/run-id": run.runId },
  };
}

/** The TestRun: N runners of the archive, spread over nodes (`separate`), the key from its Secret. */
export function testRunManifest(run: DistributedRun) {
  const volumeMounts = [{ name: "results", mountPath: RUNNER_RESULTS_DIR }];
  return {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: metadata(run, run.name),
    spec: {
      parallelism: run.parallelism,
      script: { configMap: { name: run.name, file: run.archiveFile } },
      arguments: runnerArguments(run),
      separate: true,
      runner: {
        image: run.image,
        metadata: { labels: { "gemini-k6/run-id": run.runId } },
        env: runnerEnv(run),
        volumes: [{ name: "results", emptyDir: {} }],
        volumeMounts,
        initContainers: [
          { name: "results-folder", image: run.image, command: ["mkdir", "-p", `${RUNNER_RESULTS_DIR}/${run.runId}`], volumeMounts },
        ],
      },
    },
  };
}

/** The ConfigMap holding the k6 archive under its file name. */
export function configMapManifest(run: DistributedRun) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(run, run.name),
    binaryData: { [run.archiveFile]: run.archive.toString("base64") },
  };
}

/** A Kubernetes object name from a run id: lowercase letters, digits and '-', at most 63. */
export function objectName(prefix: string, runId: string): string {
  return `${prefix}-${runId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}
