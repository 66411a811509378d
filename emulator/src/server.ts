// The HTTP front of the API: routing, the alt parameter, auth, body reading, the request log and
// JSON parsing, then the method family's module (api-*.ts) answers. Every request is recorded in the
// ground-truth stats (exchange.ts). Plain node:http for speed.

import type { IncomingMessage, ServerResponse } from "node:http";
import { parseRoute, type ApiMethod, type Route } from "./routes.ts";
import { methodNotSupported, modelNotFound, pathNotFound, statusError } from "./errors.ts";
import { parseJsonBody } from "./validate.ts";
import type { ModelInfo } from "./models.ts";
import { keyedBody } from "./intake.ts";
import { handleAdmin } from "./admin.ts";
import { answerEncoding } from "./alt.ts";
import { newExchange, type Exchange } from "./exchange.ts";
import { JSON_TYPE, apiKeyOf, sendError } from "./http.ts";
import { refuse } from "./delays.ts";
import { answerGenerate, cachedAnswer, serveGenerate } from "./api-generate.ts";
import { serveCountTokens } from "./api-count-tokens.ts";
import { serveEmbed } from "./api-embed.ts";
import { serveModelGet, serveModelList } from "./api-models.ts";
import { OPENAI_PREFIX, serveOpenAi } from "./openai-api.ts";
import { parseBatchRoute, serveBatches } from "./api-batches.ts";
import type { EmulatorState } from "./state.ts";

/** The node:http request listener of the emulator. */
export function createHandler(state: EmulatorState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
    if (path.startsWith("/__emulator/") || path === "/__emulator") {
      if (state.config.admin) {
        handleAdmin(state, req, res, path, query).catch(() => {
          if (!res.headersSent) res.writeHead(500, { "Content-Type": JSON_TYPE });
          res.end();
        });
        return;
      }
    }
    const x = newExchange(state, req, res, query);
    serve(x, path, query).catch(() => {
      // Never a stack trace or a dropped connection: any bug becomes the service's 500.
      if (!res.headersSent) sendError(x, statusError(500));
      else if (!res.writableEnded) res.end();
    });
  };
}

async function serve(x: Exchange, path: string, query: URLSearchParams | undefined): Promise<void> {
  const { state, req } = x;
  if (path.startsWith(OPENAI_PREFIX)) return serveOpenAi(x, path, query);
  const batch = parseBatchRoute(path);
  if (batch) return serveBatches(x, batch, query);
  const route = parseRoute(path);
  const wantsPost = route?.kind === "method";
  if (!route || (wantsPost ? req.method !== "POST" : req.method !== "GET")) {
    req.resume();
    return refuse(x, pathNotFound());
  }
  if (route.kind !== "list") {
    x.method = route.kind === "get" ? "models.get" : route.method;
    x.stream = route.kind === "method" && route.method === "streamGenerateContent";
  } else x.method = "models.list";

  const encoding = answerEncoding(query);
  if ("httpStatus" in encoding) {
    req.resume();
    return refuse(x, encoding);
  }
  x.sse = encoding.sse;
  x.intEnums = encoding.intEnums;

  const key = apiKeyOf(req, query);
  const raw = await keyedBody(x, key, route.kind === "method", path, query);
  // `!key` only narrows: keyedBody answered every request without one.
  if (raw === undefined || !key) return;

  if (route.kind === "list") return serveModelList(x, query);
  const model = state.findModel(route.model);
  if (!model) return refuse(x, modelNotFound(route.model, route.version));
  x.model = model.id;
  if (route.kind === "get") return serveModelGet(x, model);
  return serveMethod(x, route, model, raw, key);
}

const METHOD_SUPPORT: Record<ApiMethod, "generate" | "embed" | "both"> = {
  generateContent: "generate",
  streamGenerateContent: "generate",
  countTokens: "both",
  embedContent: "embed",
  batchEmbedContents: "embed",
};

// The generate path stays synchronous until something must wait, so a zero-latency answer costs no promise hops.
function serveMethod(
  x: Exchange,
  route: Extract<Route, { kind: "method" }>,
  model: ModelInfo,
  raw: string,
  key: string,
): void | Promise<void> {
  const support = METHOD_SUPPORT[route.method];
  if (support !== "both" && support !== model.kind) {
    return refuse(
      x,
      methodNotSupported(model.id, route.version, route.method === "streamGenerateContent" ? "generateContent" : route.method),
    );
  }
  if (route.method === "generateContent" || route.method === "streamGenerateContent") {
    const cached = cachedAnswer(x, model, raw);
    if (cached) return answerGenerate(x, cached, model, key);
  }
  const parsed = parseJsonBody(raw);
  if ("error" in parsed) return refuse(x, parsed.error);
  const body = parsed.value;

  switch (route.method) {
    case "countTokens":
      return serveCountTokens(x, body, model, raw);
    case "embedContent":
    case "batchEmbedContents":
      return serveEmbed(x, route.method, body, model, raw, key);
    default:
      return serveGenerate(x, body, model, raw, key);
  }
}
