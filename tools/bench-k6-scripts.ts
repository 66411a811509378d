// The comparison scripts of `npm run bench:k6`, generated as plain k6 JavaScript: a bare script that
// only posts the moderation requests, and the instrumentation floor that also records what
// dist/moderation.js records per answer without reading the answer.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { moderationRequest } from "../lib/moderation.ts";
import { streamGenerateContentRequest } from "../lib/gemini-requests.ts";
import { CLOSED_SCENARIO, closedShape } from "../lib/workloads.ts";
import { parseConfig } from "../lib/config.ts";
import { loadReportThresholds, thresholdsFor } from "../lib/thresholds.ts";
import { REPO_ROOT } from "./k6.ts";

/** The model and closed load shape every script of one bench run shares. */
export interface BenchLoad {
  model: string;
  durationMs: number;
  vus: number;
}

/** What both comparison scripts post: the scenario's URL, params, every post's body and its label. */
export interface PostedRequests {
  url: string;
  bodies: string[];
  labels: string[];
  params: { headers: Record<string, string>; tags: Record<string, string> | undefined };
}

/** The streamed moderation request of every post of data/moderation-posts.json, as dist/moderation.js sends them. */
export async function postedRequests(url: string, model: string): Promise<PostedRequests> {
  const posts = JSON.parse(await readFile(path.join(REPO_ROOT, "data", "moderation-posts.json"), "utf8")) as { text: string; label: string }[];
  const target = { baseUrl: url, apiKey: "bench-key", apiVersion: "v1beta" as const };
  const requests = posts.map((post) => streamGenerateContentRequest(target, model, moderationRequest(post.text)));
  const first = requests[0];
  if (!first) throw new Error("data/moderation-posts.json has no posts");
  return {
    url: first.url,
    bodies: requests.map((request) => request.body),
    labels: posts.map((post) => post.label),
    params: { headers: first.params.headers, tags: first.params.tags },
  };
}

/**
 * The head both comparison scripts share: the same requests (every post of the data set, each VU
 * walking it from the same offset as dist/moderation.js does) and the same load shape, in a scenario
 * of the same name. The post is picked from __ITER and __VU like the scenario: exec.scenario is built
 * anew on every access, which would bill these scripts a cost the scenario does not pay.
 */
function scriptHead(requests: PostedRequests, load: BenchLoad, extraOptions: Record<string, unknown>): string[] {
  const scenario = closedShape({ durationMs: load.durationMs, vus: load.vus }, "default");
  return [
    `import http from "k6/http";`,
    `const url = ${JSON.stringify(requests.url)};`,
    `const bodies = ${JSON.stringify(requests.bodies)};`,
    `const params = ${JSON.stringify(requests.params)};`,
    `export const options = ${JSON.stringify({ scenarios: { [CLOSED_SCENARIO]: { ...scenario, exec: "default" } }, ...extraOptions })};`,
    `const pick = () => (__ITER + (__VU - 1) * 53) % bodies.length;`,
    `const post = (index) => http.post(url, bodies[index], params);`,
  ];
}

/** A bare k6 script: the same requests and load shape, and nothing else — no parsing, metrics or checks. */
export function bareScript(requests: PostedRequests, load: BenchLoad): string {
  return [...scriptHead(requests, load, {}), `export default function () { post(pick()); }`, ``].join("\n");
}

/**
 * The instrumentation floor: after each request it records what dist/moderation.js records for a
 * successful streamed verdict — the same twelve gemini_ samples (lib/metrics.ts; lib/gemini-client.ts
 * record() and the scenario's moderateOnePost) with the same tags (the run's testid and model, the
 * post's label), the same two check() calls with their tags, and the same thresholds (lib/thresholds.ts)
 * — with durations from k6's timings and fixed counts, so nothing of the answer is read or parsed. Its
 * ratio to the bare script bounds what any script that keeps the metric and threshold promises of
 * docs/metrics.md can reach on this machine.
 */
export function instrumentationFloorScript(requests: PostedRequests, load: BenchLoad, emulatorUrl: string): string {
  const config = parseConfig({ GEMINI_BASE_URL: emulatorUrl, GEMINI_MODEL: load.model });
  const options = { thresholds: { ...thresholdsFor(config), ...loadReportThresholds() }, tags: { testid: "bench-floor", model: load.model } };
  return [
    ...scriptHead(requests, load, options),
    `import { check } from "k6";`,
    `import { Counter, Rate, Trend } from "k6/metrics";`,
    `const labels = ${JSON.stringify(requests.labels)};`,
    `const ttft = new Trend("gemini_ttft", true);`,
    `const timePerOutputToken = new Trend("gemini_time_per_output_token", true);`,
    `const attemptDuration = new Trend("gemini_attempt_duration", true);`,
    `const requestDuration = new Trend("gemini_request_duration", true);`,
    `const tokensPerSecond = new Trend("gemini_tokens_per_second");`,
    `const promptTokens = new Counter("gemini_prompt_tokens");`,
    `const outputTokens = new Counter("gemini_output_tokens");`,
    `const thinkingTokens = new Counter("gemini_thinking_tokens");`,
    `const errors = new Rate("gemini_errors");`,
    `const moderationCorrect = new Rate("gemini_moderation_correct");`,
    `const goodput = new Rate("gemini_goodput");`,
    `const costUsd = new Counter("gemini_cost_usd");`,
    `const checkNow = check;`,
    `const CONTRACT_CHECKS = { "status is 200": (o) => o.ok && o.status === 200, "verdict is one of the categories": (o) => o.valid };`,
    `const ACCURACY_CHECK = { "verdict matches the label": (correct) => correct };`,
    `const CONTRACT_TAGS = { check_kind: "contract" };`,
    `const ACCURACY_TAGS = { check_kind: "accuracy" };`,
    `const LABEL_TAGS = {};`,
    `export default function () {`,
    `  const index = pick();`,
    `  const res = post(index);`,
    `  const timings = res.timings;`,
    `  const status = res.status;`,
    `  const setupMs = timings.blocked + timings.connecting + timings.tls_handshaking;`,
    `  const attemptMs = setupMs + timings.duration;`,
    `  const ttftMs = setupMs + timings.sending + timings.waiting;`,
    `  const ok = status === 200;`,
    `  attemptDuration.add(attemptMs);`,
    `  requestDuration.add(attemptMs);`,
    `  errors.add(!ok);`,
    `  promptTokens.add(189);`,
    `  outputTokens.add(37);`,
    `  thinkingTokens.add(378);`,
    `  ttft.add(ttftMs);`,
    `  timePerOutputToken.add((attemptMs - ttftMs) / 33);`,
    `  tokensPerSecond.add(33 / ((attemptMs - ttftMs) / 1000 || 1));`,
    `  checkNow({ ok, status, valid: ok }, CONTRACT_CHECKS, CONTRACT_TAGS);`,
    `  checkNow(ok, ACCURACY_CHECK, ACCURACY_TAGS);`,
    `  const label = labels[index];`,
    `  moderationCorrect.add(ok, (LABEL_TAGS[label] ??= { label }));`,
    `  goodput.add(ok && attemptMs <= 10000);`,
    `  costUsd.add(0.0011);`,
    `}`,
    ``,
  ].join("\n");
}
