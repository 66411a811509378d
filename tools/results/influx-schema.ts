// What our tools write to InfluxDB, by name: the measurements, their tags, and the timeline's base
// instant. The dashboards (tools/dashboards/) and the queries read these names from here.
// k6's own measurements (one per metric: gemini_request_duration, http_reqs, …) are named in
// docs/metrics.md; their high-cardinality tags are stored as fields (influx-output.ts).

/** Run annotations: each run's start and end (tags `testid`, `event`). */
export const RUN_MEASUREMENT = "gemini_run";

/**
 * One point per run, tagged `testid` so a run's rollup can be replaced without touching another
 * run's. The run id is also the field `run` (for tables), never a field named `testid`: a field
 * named like a tag turns `WHERE "testid" = …` into a field filter in queries over several
 * measurements, which then match nothing.
 */
export const SUMMARY_MEASUREMENT = "gemini_run_summary";

/** Per-run series tagged `testid`, timestamps = time since the run's start (from ELAPSED_BASE_ISO). */
export const TIMELINE_MEASUREMENT = "gemini_run_timeline";

/** verify --after's figures (tags `testid`, `kind`). */
export const VERIFY_MEASUREMENT = "gemini_verify";

/** The tag every point of a run carries, k6's and ours: the run id. */
export const RUN_TAG = "testid";

/** The instant that stands for every run's start in the timeline (not the epoch: Grafana treats 0 as "unset" in places). */
export const ELAPSED_BASE_ISO = "2000-01-01T00:00:00.000Z";
