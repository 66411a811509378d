// embedContent and batchEmbedContents: checked, admitted like any model call, answered after the
// model's time to first token with deterministic unit vectors.

import { invalidArgument } from "./errors.ts";
import { checkEmbedRequest, checkShape } from "./validate.ts";
import { countContentTokens } from "./tokens.ts";
import { embeddingValues } from "./response.ts";
import { lognormalQuantile, waitUntil } from "./timing.ts";
import { admit } from "./admission.ts";
import { multiplier, refuse } from "./delays.ts";
import { sendJson, stringify } from "./http.ts";
import type { ModelInfo } from "./models.ts";
import type { Capacity } from "./capacity.ts";
import type { Exchange } from "./exchange.ts";

/** Answers an embed call whose body parsed as JSON. */
export async function serveEmbed(
  x: Exchange,
  method: "embedContent" | "batchEmbedContents",
  body: unknown,
  model: ModelInfo,
  raw: string,
  key: string,
): Promise<void> {
  const { state } = x;
  const shapeError = checkShape(body, method === "embedContent" ? "EmbedContentRequest" : "BatchEmbedContentsRequest", raw);
  if (shapeError) return refuse(x, shapeError);
  const request = body as Record<string, unknown>;
  const items =
    method === "embedContent" ? [request] : Array.isArray(request.requests) ? (request.requests as Record<string, unknown>[]) : [];
  if (method === "batchEmbedContents" && items.length === 0)
    return refuse(x, invalidArgument("* BatchEmbedContentsRequest.requests: requests is not specified\n"));
  if (items.length > 100)
    return refuse(x, invalidArgument("* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n"));
  let tokens = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const error = checkEmbedRequest(item, method === "embedContent" ? "EmbedContentRequest" : `BatchEmbedContentsRequest.requests[${i}]`);
    if (error) return refuse(x, error);
    tokens += countContentTokens(item.content);
  }
  const slot = await admitEmbedding(x, model, key, tokens);
  if (!slot) return;
  try {
    const embeddings = items.map((item) => {
      const text = JSON.stringify(item.content ?? "");
      const dims = Number(item.outputDimensionality ?? item.output_dimensionality ?? 3072) || 3072;
      return { values: embeddingValues(text, dims, state.config.seed) };
    });
    sendJson(x, 200, stringify(x, method === "embedContent" ? { embedding: embeddings[0] } : { embeddings }));
  } finally {
    slot.release();
  }
}

/**
 * Admits an embedding call of `tokens` prompt tokens and waits out its time to answer (embeddings have
 * no output to pace). Returns the held slot for the caller to release after answering, or undefined once
 * admission has answered with a refusal.
 */
export async function admitEmbedding(x: Exchange, model: ModelInfo, key: string, tokens: number): Promise<Capacity | undefined> {
  const { state } = x;
  x.promptTokens = tokens;
  const slot = await admit(x, model, key, tokens);
  if (!slot) return undefined;
  const settings = state.settings(model.id);
  const ttft = lognormalQuantile(settings.ttftMedianMs, settings.ttftP95Ms, state.nextQuantile(model.ttftKey)) * multiplier(x);
  // waitUntil never rejects, so the slot cannot be left held here.
  if (ttft > 0) await waitUntil(x.serviceStart + ttft);
  return slot;
}
