// The verification step's public surface: preflight, contract check and post-run cross-check.
export { main } from "./cli.ts";
export { runPreflight, type PreflightOptions, type PreflightResult } from "./preflight.ts";
export { runContractCheck, formatContract, k6ContractRequests, type ContractResult } from "./contract.ts";
export { runAfter, type AfterResult } from "./after.ts";
export { computeLoadImpact, readSummary, type Baseline, type LoadImpact } from "./post-run.ts";
export { FAILURES, VerifyFailure, classifyError, type FailureClass } from "./failures.ts";
export { EXPECTED_DIFFERENCES, compareRequests, normaliseRequest } from "./request-diff.ts";
export { VERIFY_MEASUREMENT, writeVerifyPoint } from "./influx.ts";
export { parseInfluxUrl } from "../tools/results/influx-query.ts";
