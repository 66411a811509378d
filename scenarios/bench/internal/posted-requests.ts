// What both comparison scripts of `npm run bench:k6` post, and how: every post of the data set as
// dist/moderation.js streams it, the closed load shape of GEMINI_VUS and GEMINI_DURATION, and the
// same pick of post per iteration. Built once per VU at init, so none of it is billed per request.

import http from "k6/http";
import { parseConfig, type GeminiConfig } from "../../../lib/config.ts";
import { streamGenerateContentRequest } from "../../../lib/gemini-requests.ts";
import { moderationRequest, validatePosts } from "../../../lib/moderation.ts";
import { CLOSED_SCENARIO, closedShape } from "../../../lib/workloads.ts";

/** The settings the bench passes (base URL, model, VUs, duration), read like any scenario's. */
export const benchConfig: GeminiConfig = parseConfig(__ENV);

// k6 resolves open() against this bundle's folder (dist/bench/), so data/ is two levels up.
const posts = validatePosts(JSON.parse(open("../../data/moderation-posts.json")));

const target = { baseUrl: benchConfig.baseUrl, apiKey: benchConfig.apiKey, apiVersion: benchConfig.apiVersion };
const requests = posts.map((post) => streamGenerateContentRequest(target, benchConfig.model, moderationRequest(post.text)));
const first = requests[0];
if (!first) throw new Error("data/moderation-posts.json has no posts");

const url = first.url;
const params = { headers: first.params.headers, tags: first.params.tags };
const bodies = requests.map((request) => request.body);

/** Every post's label, by the index {@link pickPost} returns. */
export const labels: readonly string[] = posts.map((post) => post.label);

/** One closed scenario named like dist/moderation.js's, running the script's default function. */
export const benchScenarios = { [CLOSED_SCENARIO]: { ...closedShape(benchConfig, "default"), exec: "default" } };

/**
 * The post of this iteration: each VU walks the data set from its own offset, as the moderation
 * scenario does. Read from __ITER and __VU because exec.scenario is built anew on every access,
 * which would bill these scripts a cost the scenario does not pay.
 */
export function pickPost(): number {
  return (__ITER + (__VU - 1) * 53) % bodies.length;
}

/** Posts one moderation request, as the bare script and the floor both do. */
export function postModeration(index: number): ReturnType<typeof http.post> {
  return http.post(url, bodies[index] ?? null, params);
}
