// Test helpers around InfluxDB: a real server per test file (built if missing), counting stored
// points, running our CLI tools as child processes, and Grafana's InfluxQL variable substitution.
import { REPO_ROOT } from "../../tools/paths.ts";
import { startInfluxDB, type InfluxServer, type StartInfluxOptions } from "../../tools/setup/influxdb.ts";
import type { InfluxTarget } from "../../tools/results/influx-query.ts";
import { runCaptured, type Captured } from "./exec.ts";

export interface TestInflux {
  server: InfluxServer;
  /** The `k6` database on that server. */
  target: InfluxTarget;
  /** `http://127.0.0.1:<port>/k6`, the form GEMINI_INFLUXDB_URL takes. */
  url: string;
}

/** Starts a real InfluxDB 1.8 on free ports (`ensureInfluxd()` builds it when missing). */
export async function startTestInflux(options: StartInfluxOptions = {}): Promise<TestInflux> {
  const server = await startInfluxDB({ port: 0, ...options });
  return { server, target: { baseUrl: server.url, database: "k6" }, url: `${server.url}/k6` };
}

/** The results tools the tests run, by name. */
const TOOLS = { compare: "tools/results/compare.ts", runs: "tools/results/runs.ts", "import-results": "tools/results/import.ts" } as const;

/** Runs one of the results tools with tsx, as `npm run` would, and captures its output. */
export function runTool(name: keyof typeof TOOLS, args: string[], env: Record<string, string | undefined> = {}): Promise<Captured> {
  return runCaptured(process.execPath, ["--import", "tsx", TOOLS[name], ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, GEMINI_INFLUXDB_URL: undefined, ...env },
    timeoutMs: 120_000,
  });
}

/** Grafana's regex escaping for multi-value and "All" variables in InfluxQL. */
function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/-]/g, "\\$&");
}

export interface VariableValue {
  /** Selected values; `["$__all"]` selects "All". */
  values: string[];
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
}

/** Grafana's interval text for InfluxQL (`500ms`, `1s`, `2m`). */
function intervalText(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/**
 * Substitutes a panel query as Grafana's InfluxDB (InfluxQL) datasource does: `$timeFilter`,
 * `$__interval(_ms)`, and variables — a single-value variable as is, multi-value and "All"
 * ones regex-escaped and joined as `(a|b)`, "All" with a custom all value as that value.
 */
export function interpolate(
  query: string,
  variables: Record<string, VariableValue>,
  range: { from: number; to: number },
  intervalMs: number,
): string {
  let text = query
    .replaceAll("$timeFilter", `time >= ${range.from}ms and time <= ${range.to}ms`)
    .replaceAll("$__interval_ms", String(intervalMs))
    .replaceAll("$__interval", intervalText(intervalMs));
  const names = Object.keys(variables).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const variable = variables[name]!;
    let value: string;
    if (variable.values.includes("$__all")) {
      value =
        variable.allValue ??
        `(${variable.values
          .filter((v) => v !== "$__all")
          .map(escapeRegex)
          .join("|")})`;
    } else if (!variable.multi && !variable.includeAll) {
      value = variable.values[0] ?? "";
    } else {
      const escaped = variable.values.map(escapeRegex);
      value = escaped.length === 1 ? escaped[0]! : `(${escaped.join("|")})`;
    }
    text = text.replace(new RegExp(`\\$${name}\\b|\\$\\{${name}\\}`, "g"), () => value);
  }
  const leftover = /\$[\w{]+/.exec(text);
  if (leftover) throw new Error(`query still holds ${leftover[0]} after substitution: ${text}`);
  return text;
}
