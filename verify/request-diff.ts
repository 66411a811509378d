// Field-by-field comparison of two captured HTTP requests after the normalisations listed in
// EXPECTED_DIFFERENCES; everything not listed there counts as drift.

/** One request as the emulator's request log records it (keys already redacted). */
export interface CapturedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

/** A difference the SDKs and k6 may have without it being drift, and why. */
export interface ExpectedDifference {
  id: string;
  reason: string;
}

/**
 * Every difference tolerated between k6's request and an SDK's. Each is applied by
 * `normaliseRequest`; anything else that differs fails the contract check.
 */
export const EXPECTED_DIFFERENCES = [
  {
    id: "transport-headers",
    reason:
      "host, connection, content-length, accept*, sec-fetch-mode and user-agent are set by the HTTP client (undici or k6), not by the request builder",
  },
  {
    id: "sdk-client-header",
    reason: "x-goog-api-client names the SDK and its version; the service only uses it for telemetry",
  },
  {
    id: "api-version",
    reason: "@google/genai defaults to /v1/ and the legacy SDK to /v1beta/; both serve the same methods",
  },
  {
    id: "snake-case",
    reason: "the service accepts snake_case and camelCase field names alike (proto3 JSON mapping)",
  },
  {
    id: "empty-values",
    reason: "an empty object or list (e.g. the legacy SDK's safetySettings: []) is the same as leaving the field out",
  },
  {
    id: "content-role",
    reason: 'a user turn without role is read as role "user"; @google/genai always writes it',
  },
  {
    id: "system-instruction-role",
    reason: 'the service ignores the role of systemInstruction; @google/genai writes "user", the legacy SDK "system"',
  },
  {
    id: "schema-type-case",
    reason: "Schema.type is an enum the service reads case-insensitively; the legacy SDK sends lower case",
  },
  {
    id: "key-value",
    reason: "the key is redacted in the request log; only that x-goog-api-key is present is compared",
  },
] as const satisfies readonly ExpectedDifference[];

const TRANSPORT_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "accept",
  "accept-language",
  "accept-encoding",
  "sec-fetch-mode",
  "user-agent",
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function isEmpty(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
}

function upperSchemaTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(upperSchemaTypes);
  if (!isPlainObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type" && typeof value === "string") out[key] = value.toUpperCase();
    else if (key === "properties" && isPlainObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, upperSchemaTypes(inner)]));
    } else if (key === "items" || key === "anyOf") out[key] = upperSchemaTypes(value);
    else out[key] = value;
  }
  return out;
}

/** Rule ids of EXPECTED_DIFFERENCES. */
export type RuleId = (typeof EXPECTED_DIFFERENCES)[number]["id"];

function normaliseJsonWith(value: unknown, on: (id: RuleId) => boolean): unknown {
  if (Array.isArray(value)) return value.map((inner) => normaliseJsonWith(inner, on));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const normalised = normaliseJsonWith(inner, on);
    if (on("empty-values") && isEmpty(normalised)) continue;
    out[on("snake-case") ? camel(key) : key] = normalised;
  }
  return out;
}

function normaliseBody(body: unknown, on: (id: RuleId) => boolean): unknown {
  const json = normaliseJsonWith(body, on);
  if (!isPlainObject(json)) return json;
  const out: Record<string, unknown> = { ...json };
  if (on("content-role") && Array.isArray(out.contents)) {
    out.contents = out.contents.map((content) =>
      isPlainObject(content) && content.role === undefined ? { ...content, role: "user" } : content,
    );
  }
  if (on("system-instruction-role") && isPlainObject(out.systemInstruction)) {
    const { role: _ignored, ...rest } = out.systemInstruction;
    out.systemInstruction = rest;
  }
  if (on("schema-type-case") && isPlainObject(out.generationConfig) && out.generationConfig.responseSchema !== undefined) {
    out.generationConfig = { ...out.generationConfig, responseSchema: upperSchemaTypes(out.generationConfig.responseSchema) };
  }
  return out;
}

/**
 * Applies the EXPECTED_DIFFERENCES rules (all, or all but `skip`), so two equivalent requests
 * compare equal. Header names are case-insensitive in HTTP, so they are always lower-cased.
 */
function normaliseRequest(request: CapturedRequest, skip?: RuleId): CapturedRequest {
  const on = (id: RuleId): boolean => id !== skip;
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (on("transport-headers") && TRANSPORT_HEADERS.has(lower)) continue;
    if (on("sdk-client-header") && lower === "x-goog-api-client") continue;
    headers[lower] = on("key-value") && lower === "x-goog-api-key" ? "(present)" : value;
  }
  const query: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.query)) {
    query[name] = on("key-value") && name === "key" ? "(present)" : value;
  }
  return {
    method: request.method.toUpperCase(),
    path: on("api-version") ? request.path.replace(/^\/v1(beta)?\//, "/{version}/") : request.path,
    query,
    headers,
    body: normaliseBody(request.body, on),
  };
}

/** One field that differs: where, and the two values (undefined when absent on that side). */
export interface FieldDifference {
  path: string;
  expected: unknown;
  actual: unknown;
}

/** Lists every leaf where `actual` differs from `expected`, with dotted paths (`body.contents[0].role`). */
function diffValues(expected: unknown, actual: unknown, path = ""): FieldDifference[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: FieldDifference[] = [];
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      out.push(...diffValues(expected[i], actual[i], `${path}[${i}]`));
    }
    return out;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((key) => diffValues(expected[key], actual[key], path ? `${path}.${key}` : key));
  }
  if (Object.is(expected, actual)) return [];
  return [{ path, expected, actual }];
}

function diffNormalised(k6: CapturedRequest, sdk: CapturedRequest, skip?: RuleId): FieldDifference[] {
  const a = normaliseRequest(k6, skip);
  const b = normaliseRequest(sdk, skip);
  return diffValues(
    { method: a.method, path: a.path, query: a.query, headers: a.headers, body: a.body },
    { method: b.method, path: b.path, query: b.query, headers: b.headers, body: b.body },
  );
}

/** Differences between k6's request and an SDK's, after normalisation. */
export function compareRequests(k6: CapturedRequest, sdk: CapturedRequest): FieldDifference[] {
  return diffNormalised(k6, sdk);
}

/**
 * The tolerated differences this pair actually has: the rules without which the comparison
 * would show more differences. Reported, so nothing is waved through unseen.
 */
export function toleratedDifferences(k6: CapturedRequest, sdk: CapturedRequest): RuleId[] {
  const baseline = diffNormalised(k6, sdk).length;
  return EXPECTED_DIFFERENCES.map((d) => d.id).filter((id) => diffNormalised(k6, sdk, id).length > baseline);
}

function show(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A readable diff: one line per field, `path: k6 <value> ≠ <sdk> <value>`. */
export function formatDifferences(differences: readonly FieldDifference[], sdkName: string): string[] {
  return differences.map((d) => `${d.path}: k6 ${show(d.expected)} ≠ ${sdkName} ${show(d.actual)}`);
}
