// models.list (paged) and models.get, answered after the control delay.

import { invalidArgument } from "./errors.ts";
import { listModelsPage, type ModelInfo } from "./models.ts";
import { controlDelay, refuse } from "./delays.ts";
import { sendJson, stringify } from "./http.ts";
import type { Exchange } from "./exchange.ts";

/** Answers `GET models` (`pageSize`, `pageToken`). */
export async function serveModelList(x: Exchange, query: URLSearchParams | undefined): Promise<void> {
  const pageSize = Number.parseInt(query?.get("pageSize") ?? "0", 10) || 0;
  const page = listModelsPage(x.state.modelList, pageSize, query?.get("pageToken") ?? "");
  if (!page) return refuse(x, invalidArgument("Invalid page token."));
  await controlDelay(x);
  sendJson(x, 200, stringify(x, page));
}

/** Answers `GET models/{m}` for a known model. */
export async function serveModelGet(x: Exchange, model: ModelInfo): Promise<void> {
  await controlDelay(x);
  sendJson(x, 200, stringify(x, model.resource));
}
