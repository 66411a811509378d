// countTokens: both request forms (`contents`, and the legacy SDK's `generateContentRequest`), checked
// as generate requests are, answered after the control delay.

import { invalidArgument } from "./errors.ts";
import { checkGenerateRequest, checkShape } from "./validate.ts";
import { countContentsTokens, countRequestTokens } from "./tokens.ts";
import { countTokensResponse } from "./response.ts";
import { withIntEnums } from "./alt.ts";
import { controlDelay, refuse } from "./delays.ts";
import { sendJson, stringify } from "./http.ts";
import type { ModelInfo } from "./models.ts";
import type { Exchange } from "./exchange.ts";

/** Answers a countTokens call whose body parsed as JSON. */
export async function serveCountTokens(x: Exchange, body: unknown, model: ModelInfo, raw: string): Promise<void> {
  const shapeError = checkShape(body, "CountTokensRequest", raw);
  if (shapeError) return refuse(x, shapeError);
  const request = body as Record<string, unknown>;
  const nested = (request.generateContentRequest ?? request.generate_content_request) as Record<string, unknown> | undefined;
  let tokens: number;
  if (nested && typeof nested === "object") {
    const error = checkGenerateRequest(nested, model, "CountTokensRequest.generate_content_request");
    if (error) return refuse(x, error);
    tokens = countRequestTokens(nested);
  } else {
    const contents = request.contents;
    if (!Array.isArray(contents) || contents.length === 0)
      return refuse(x, invalidArgument("* CountTokensRequest.contents: contents is not specified\n"));
    const error = checkGenerateRequest({ contents }, model, "CountTokensRequest");
    if (error) return refuse(x, error);
    tokens = countContentsTokens(contents);
  }
  x.promptTokens = tokens;
  await controlDelay(x);
  const answer = countTokensResponse(tokens);
  sendJson(x, 200, stringify(x, x.intEnums ? withIntEnums(answer) : answer));
}
