// A small typed builder for Grafana dashboards whose panels run raw InfluxQL against the
// provisioned InfluxDB datasource (referenced by uid, never "the default datasource").
// `@grafana/grafana-foundation-sdk` has no InfluxQL query builder, so this is our own.

/** The provisioned datasource (grafana/provisioning/datasources/influxdb.yml). */
export const DATASOURCE = { type: "influxdb", uid: "gemini-influxdb" } as const;

/** One raw InfluxQL query of a panel. */
export interface Target {
  refId: string;
  datasource: typeof DATASOURCE;
  query: string;
  rawQuery: true;
  resultFormat: "time_series" | "table";
  alias?: string;
}

/** The subset of Grafana's `fieldConfig.defaults` we set. */
export interface FieldDefaults {
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: { mode: "absolute"; steps: { color: string; value: number | null }[] };
  custom?: Record<string, unknown>;
  color?: Record<string, unknown>;
}

/** Position on Grafana's 24-column grid. */
export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A dashboard panel (or row) as Grafana stores it. */
export interface Panel {
  id: number;
  type: "timeseries" | "stat" | "table" | "row";
  title: string;
  description?: string;
  datasource?: typeof DATASOURCE;
  gridPos: GridPos;
  targets?: Target[];
  fieldConfig?: { defaults: FieldDefaults; overrides: unknown[] };
  options?: Record<string, unknown>;
  transformations?: { id: string; options: Record<string, unknown> }[];
  collapsed?: boolean;
  panels?: Panel[];
}

/** A query template variable. */
export interface Variable {
  name: string;
  label: string;
  type: "query";
  datasource: typeof DATASOURCE;
  query: string;
  definition: string;
  refresh: 1 | 2;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  sort: number;
  current: Record<string, never>;
  options: never[];
  hide: 0;
}

/** An annotation query (InfluxQL) or Grafana's built-in one. */
export interface Annotation {
  name: string;
  datasource: typeof DATASOURCE | { type: "grafana"; uid: "-- Grafana --" };
  enable: boolean;
  hide?: boolean;
  iconColor: string;
  builtIn?: 1;
  type?: "dashboard";
  query?: string;
  textColumn?: string;
  tagsColumn?: string;
  target?: { refId: string; query: string; rawQuery: true; resultFormat: "table" };
}

/** A whole dashboard as written to `grafana/dashboards/*.json`. */
export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  graphTooltip: 1;
  schemaVersion: number;
  version: 1;
  refresh: string;
  time: { from: string; to: string };
  timepicker: Record<string, unknown>;
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
  links: unknown[];
  panels: Panel[];
}

/** One raw InfluxQL query; `alias` names its series in the legend. */
export interface QuerySpec {
  query: string;
  alias?: string;
  format?: "time_series" | "table";
}

/** What a panel shows; `PanelLayout.add` turns it into a `Panel`. */
export interface PanelSpec {
  type?: "timeseries" | "stat" | "table";
  title: string;
  description?: string;
  queries: QuerySpec[];
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  /** Threshold lines (timeseries) or colour steps (stat): `[value, color]`. */
  thresholds?: [number, string][];
  stack?: boolean;
  width?: number;
  height?: number;
  transformations?: { id: string; options: Record<string, unknown> }[];
  options?: Record<string, unknown>;
  overrides?: unknown[];
}

/** Builds a panel list laid out left to right, top to bottom on Grafana's 24-column grid. */
export class PanelLayout {
  private panels: Panel[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  /** Starts a new row with a title. */
  row(title: string): this {
    this.newLine();
    this.panels.push({ id: this.nextId++, type: "row", title, collapsed: false, gridPos: { x: 0, y: this.y, w: 24, h: 1 }, panels: [] });
    this.y += 1;
    return this;
  }

  /** Adds a panel after the previous one, wrapping to a new line when the row is full. */
  add(spec: PanelSpec): this {
    const type = spec.type ?? "timeseries";
    const w = spec.width ?? (type === "stat" ? 6 : 12);
    const h = spec.height ?? (type === "stat" ? 4 : 8);
    if (this.x + w > 24) this.newLine();
    const targets = spec.queries.map((query, index): Target => {
      const target: Target = {
        refId: String.fromCharCode(65 + index),
        datasource: DATASOURCE,
        query: query.query,
        rawQuery: true,
        resultFormat: query.format ?? (type === "table" ? "table" : "time_series"),
      };
      if (query.alias) target.alias = query.alias;
      return target;
    });
    const defaults: FieldDefaults = {};
    if (spec.unit) defaults.unit = spec.unit;
    if (spec.decimals !== undefined) defaults.decimals = spec.decimals;
    if (spec.min !== undefined) defaults.min = spec.min;
    if (spec.max !== undefined) defaults.max = spec.max;
    if (spec.thresholds) {
      defaults.thresholds = {
        mode: "absolute",
        steps: [{ color: "green", value: null }, ...spec.thresholds.map(([value, color]) => ({ color, value }))],
      };
    }
    if (type === "timeseries") {
      defaults.custom = {
        drawStyle: "line",
        lineWidth: 1,
        fillOpacity: spec.stack ? 40 : 10,
        showPoints: "never",
        spanNulls: true,
        stacking: { mode: spec.stack ? "normal" : "none", group: "A" },
        thresholdsStyle: { mode: spec.thresholds ? "dashed" : "off" },
      };
    }
    const panel: Panel = {
      id: this.nextId++,
      type,
      title: spec.title,
      datasource: DATASOURCE,
      gridPos: { x: this.x, y: this.y, w, h },
      targets,
      fieldConfig: { defaults, overrides: spec.overrides ?? [] },
      options: spec.options ?? defaultOptions(type),
    };
    if (spec.description) panel.description = spec.description;
    if (spec.transformations) panel.transformations = spec.transformations;
    this.panels.push(panel);
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return this;
  }

  /** The panels added so far. */
  build(): Panel[] {
    return this.panels;
  }

  private newLine(): void {
    if (this.x === 0) return;
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

function defaultOptions(type: Panel["type"]): Record<string, unknown> {
  if (type === "stat")
    return {
      reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
      colorMode: "value",
      graphMode: "none",
      textMode: "value_and_name",
    };
  if (type === "table") return { showHeader: true, cellHeight: "sm", footer: { show: false, reducer: ["sum"], fields: "" } };
  return {
    legend: { displayMode: "table", placement: "bottom", calcs: ["mean", "max", "lastNotNull"], showLegend: true },
    tooltip: { mode: "multi", sort: "desc" },
  };
}

/** A query variable over tag values; with `includeAll`, "All" matches every value and a missing tag. */
export function tagVariable(
  name: string,
  label: string,
  query: string,
  options: { multi: boolean; includeAll: boolean; sortDescending?: boolean },
): Variable {
  const variable: Variable = {
    name,
    label,
    type: "query",
    datasource: DATASOURCE,
    query,
    definition: query,
    refresh: 2,
    multi: options.multi,
    includeAll: options.includeAll,
    sort: options.sortDescending ? 2 : 1,
    current: {},
    options: [],
    hide: 0,
  };
  // ".*" rather than Grafana's default list of every value: measurements without the tag (vus) still match.
  if (options.includeAll) variable.allValue = ".*";
  return variable;
}

/** Run annotations from the `gemini_run` measurement written by tools/results/annotations.ts. */
export function runAnnotation(query: string): Annotation {
  return {
    name: "Runs",
    datasource: DATASOURCE,
    enable: true,
    iconColor: "purple",
    query,
    textColumn: "text",
    tagsColumn: "event",
    target: { refId: "Anno", query, rawQuery: true, resultFormat: "table" },
  };
}

/** Grafana's own annotations (manual ones), kept as every dashboard has them. */
export const BUILT_IN_ANNOTATION: Annotation = {
  name: "Annotations & Alerts",
  datasource: { type: "grafana", uid: "-- Grafana --" },
  builtIn: 1,
  enable: true,
  hide: true,
  iconColor: "rgba(0, 211, 255, 1)",
  type: "dashboard",
};

/** A dashboard with the fields every one of ours shares. */
export function dashboard(
  spec: Pick<Dashboard, "uid" | "title" | "description" | "tags" | "time" | "panels"> & {
    variables: Variable[];
    annotations: Annotation[];
    timezone?: string;
    timepicker?: Record<string, unknown>;
  },
): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    timezone: spec.timezone ?? "browser",
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: "",
    time: spec.time,
    timepicker: spec.timepicker ?? {},
    templating: { list: spec.variables },
    annotations: { list: [BUILT_IN_ANNOTATION, ...spec.annotations] },
    links: [],
    panels: spec.panels,
  };
}
