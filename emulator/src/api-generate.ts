// generateContent and streamGenerateContent: checked, planned (and the plan cached by body), admitted,
// timed (TTFT, thinking, output speed, injected faults) and sent whole or as a stream (SSE or JSON array).

import { statusError } from "./errors.ts";
import { checkGenerateRequest, checkShape } from "./validate.ts";
import type { ContentPlan } from "./content.ts";
import { planRequest } from "./plan-request.ts";
import { fullResponse, newResponseId, streamChunks } from "./response.ts";
import { RESPONSE_ID_SLOT, splitAtResponseId, type CachedAnswer } from "./answer-cache.ts";
import { withIntEnums } from "./alt.ts";
import { lognormalQuantile, now, waitUntil } from "./timing.ts";
import { admit } from "./admission.ts";
import { drawFaults, type Faults } from "./faults.ts";
import { multiplier, refuse } from "./delays.ts";
import { JSON_TYPE, headers, sendAnswer, stringify } from "./http.ts";
import { record, type Exchange } from "./exchange.ts";
import type { Capacity } from "./capacity.ts";
import type { ModelInfo } from "./models.ts";

function cacheForm(x: Exchange, model: ModelInfo): string {
  return x.stream ? `${model.id}:stream` : model.id;
}

/** The planned answer of an identical earlier body, if cached (served without validation: it passed once). */
export function cachedAnswer(x: Exchange, model: ModelInfo, raw: string): CachedAnswer | undefined {
  return x.state.answers.get(cacheForm(x, model), x.bodyKey, raw);
}

/** Checks, plans and answers a generate call whose body parsed as JSON. */
export function serveGenerate(x: Exchange, body: unknown, model: ModelInfo, raw: string, key: string): void | Promise<void> {
  const { state } = x;
  const shapeError = checkShape(body, "GenerateContentRequest", raw);
  if (shapeError) return refuse(x, shapeError);
  const request = body as Record<string, unknown>;
  const semantic = checkGenerateRequest(request, model);
  if (semantic) return refuse(x, semantic);
  const plan = planRequest(state, request, raw, model, x.stream);
  // Checked before the answer is cached: a cached answer is served without validation.
  if ("httpStatus" in plan) return refuse(x, plan);
  const answer: CachedAnswer = { plan };
  state.answers.set(cacheForm(x, model), x.bodyKey, raw, answer);
  return answerGenerate(x, answer, model, key);
}

/**
 * Admits, times and sends a planned answer. Synchronous until something must wait, so a zero-latency
 * answer costs no promise hops.
 */
export function answerGenerate(x: Exchange, answer: CachedAnswer, model: ModelInfo, key: string): void | Promise<void> {
  x.promptTokens = answer.plan.promptTokens;
  const slot = admit(x, model, key, answer.plan.promptTokens);
  if (slot instanceof Promise) return slot.then((held) => (held ? serveAnswer(x, answer, model, held) : undefined));
  if (!slot) return;
  return serveAnswer(x, answer, model, slot);
}

/** Times the answer and sends it, releasing the slot when done (at once, or after the waits). */
function serveAnswer(x: Exchange, answer: CachedAnswer, model: ModelInfo, slot: Capacity): void | Promise<void> {
  const { state } = x;
  const plan = answer.plan;
  let releaseNow = true;
  try {
    const settings = state.settings(model.id);
    const faults = drawFaults(state);
    const m = multiplier(x);
    const base = x.serviceStart;
    const ttft = lognormalQuantile(settings.ttftMedianMs, settings.ttftP95Ms, state.nextQuantile(model.ttftKey)) * m;
    const thinking = settings.thinkingTokensPerSecond > 0 ? (plan.thoughtsTokens / settings.thinkingTokensPerSecond) * 1000 * m : 0;
    const msPerToken = settings.tokensPerSecond > 0 ? (1000 / settings.tokensPerSecond) * m * faults.slowFactor : 0;
    x.thoughtsTokens = plan.thoughtsTokens;
    const responseId = newResponseId();
    if (x.stream) {
      releaseNow = false;
      return streamAnswer(x, plan, model, responseId, base + ttft + thinking, msPerToken, faults).finally(() => slot.release());
    }
    const due = base + ttft + thinking + plan.outputTokens * msPerToken + faults.stallMs;
    if (due > now()) {
      releaseNow = false;
      return waitUntil(due)
        .then(() => sendWhole(x, answer, model, responseId, faults))
        .finally(() => slot.release());
    }
    // A gzipped answer is written once compressed: the slot is held until then.
    const sending = sendWhole(x, answer, model, responseId, faults);
    if (sending) {
      releaseNow = false;
      return sending.finally(() => slot.release());
    }
  } finally {
    if (releaseNow) slot.release();
  }
}

function sendWhole(x: Exchange, answer: CachedAnswer, model: ModelInfo, responseId: string, faults: Faults): void | Promise<void> {
  if (x.aborted) return;
  if (faults.reset) {
    x.status = 0;
    x.req.socket.destroy();
    return;
  }
  const plan = answer.plan;
  x.outputTokens = plan.outputTokens * plan.candidateCount;
  if (x.format) return sendAnswer(x, x.format.whole(plan, model, responseId));
  // Int enums are rare (one legacy client): built each time rather than cached in a third form.
  if (x.intEnums) return sendAnswer(x, stringify(x, withIntEnums(fullResponse(plan, model, responseId))));
  let parts = x.pretty ? answer.pretty : answer.compact;
  if (!parts) {
    parts = splitAtResponseId(stringify(x, fullResponse(plan, model, RESPONSE_ID_SLOT)));
    if (x.pretty) answer.pretty = parts;
    else answer.compact = parts;
  }
  return sendAnswer(x, parts[0] + responseId + parts[1]);
}

async function streamAnswer(
  x: Exchange,
  plan: ContentPlan,
  model: ModelInfo,
  responseId: string,
  firstDue: number,
  msPerToken: number,
  faults: Faults,
): Promise<void> {
  const { res } = x;
  const sse = x.sse;
  const chunks = streamChunks(plan, model, responseId);
  if (x.intEnums) withIntEnums(chunks);
  const frame = (chunk: unknown, index: number): string => {
    if (sse) return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
    const json = JSON.stringify(chunk, null, 2);
    return index === 0 ? `[${json}` : `\n,\r\n${json}`;
  };
  // Serialised up front: when hundreds of streams fall due at the same instant, each send is then just a write.
  const frames = x.format ? x.format.frames(plan, model, responseId) : chunks.map(frame);
  // A stall with a single chunk happens before the first byte; otherwise after the first chunk.
  const stallBeforeFirst = chunks.length === 1 ? faults.stallMs : 0;
  const stallAfterFirst = chunks.length > 1 ? faults.stallMs : 0;
  let due = firstDue + stallBeforeFirst;
  for (let k = 0; k < chunks.length; k++) {
    // Later chunks are paced from when the first actually went out, against absolute deadlines.
    if (k === 1) due = now();
    if (k > 0) due += (plan.chunkTokens[k] ?? 0) * msPerToken + (k === 1 ? stallAfterFirst : 0);
    if (due > now()) await waitUntil(due);
    if (x.aborted) return;
    const data = frames[k] as string;
    if (k === 0) {
      x.status = 200;
      // Headers go out with the first chunk, as the service sends them; dur is the time until then.
      res.writeHead(200, headers(sse ? "text/event-stream" : JSON_TYPE, now() - x.start, "Content-Disposition", "attachment"));
      if (faults.reset) {
        // Reset once the first chunk has reached the client, as a dropped connection mid-stream does.
        x.outputTokens = plan.chunkTokens[0] ?? 0;
        res.write(data, () => setTimeout(() => x.req.socket.destroy(), 5));
        x.ttfb = now() - x.start;
        return;
      }
      if (faults.midStreamError && chunks.length === 1) {
        // The only chunk is also the final one (it carries finishReason): the error takes its place.
        const error = statusError(x.state.config.faults.midStreamError.status, x.state.config.overloadWording);
        res.end(x.format ? x.format.streamError(error) : sse ? error.body : `[${error.body}]`);
        x.ttfb = now() - x.start;
        record(x);
        return;
      }
      res.write(data);
      x.ttfb = now() - x.start;
      // Pace the rest from when the first chunk really left: a first chunk delayed by a busy event
      // loop must not make the following chunks bunch up behind it.
      due = Math.max(due, now());
      if (faults.midStreamError) {
        x.outputTokens = plan.chunkTokens[0] ?? 0;
        const error = statusError(x.state.config.faults.midStreamError.status, x.state.config.overloadWording);
        res.end(x.format ? x.format.streamError(error) : sse ? error.body : `\n,\r\n${error.body}]`);
        record(x);
        return;
      }
    } else if (k < chunks.length - 1) res.write(data);
    x.outputTokens += (plan.chunkTokens[k] ?? 0) * plan.candidateCount;
  }
  // The last chunk and the end of the response leave in one write.
  const last = chunks.length > 1 ? (frames[chunks.length - 1] as string) : "";
  res.end(sse ? last : `${last}\n]`);
  record(x);
}
