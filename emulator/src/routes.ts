// Parses a request path into an API call: version, model and method, or a models list/get, or nothing.

/** An API call recognised from the path. */
export type Route =
  | { kind: "list"; version: string }
  | { kind: "get"; version: string; model: string }
  | { kind: "method"; version: string; model: string; method: ApiMethod };

/** The POST methods on a model. */
export type ApiMethod = "generateContent" | "streamGenerateContent" | "countTokens" | "embedContent" | "batchEmbedContents";

const METHODS: ReadonlySet<string> = new Set([
  "generateContent",
  "streamGenerateContent",
  "countTokens",
  "embedContent",
  "batchEmbedContents",
]);

function decode(segment: string): string | undefined {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** `/v1beta/models`, `/v1/models/{m}`, `/v1beta/models/{m}:{method}`; undefined for any other path. */
export function parseRoute(path: string): Route | undefined {
  let rest: string;
  let version: string;
  if (path.startsWith("/v1beta/")) {
    version = "v1beta";
    rest = path.slice(8);
  } else if (path.startsWith("/v1/")) {
    version = "v1";
    rest = path.slice(4);
  } else return undefined;
  if (rest === "models" || rest === "models/") return { kind: "list", version };
  if (!rest.startsWith("models/")) return undefined;
  const tail = decode(rest.slice(7));
  if (tail === undefined || tail === "" || tail.includes("/")) return undefined;
  const colon = tail.indexOf(":");
  if (colon < 0) return { kind: "get", version, model: tail };
  const model = tail.slice(0, colon);
  const method = tail.slice(colon + 1);
  if (model === "" || !METHODS.has(method)) return undefined;
  return { kind: "method", version, model, method: method as ApiMethod };
}
