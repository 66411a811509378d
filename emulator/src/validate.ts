// Request validation against the proto shapes, answering bad input with the service's own messages:
// unknown fields, wrong JSON types and bad enum values (proto JSON parsing; enum numbers become names
// here), then the semantic checks the service makes (empty contents/parts, roles, generation settings,
// thinking budgets).

import { ENUMS, MESSAGES, type FieldSpec } from "./proto-schema.ts";
import { invalidArgument, type ApiError } from "./errors.ts";
import type { ModelInfo } from "./models.ts";

const TYPE_URL_PREFIX = "type.googleapis.com/google.ai.generativelanguage.v1beta.";
/** The service rejects JSON nested deeper than this (proto parser recursion limit). */
const MAX_JSON_DEPTH = 100;

const SCALAR_TYPE_NAMES: Record<string, string> = {
  string: "TYPE_STRING",
  bool: "TYPE_BOOL",
  int: "TYPE_INT32",
  int64: "TYPE_INT64",
  number: "TYPE_FLOAT",
  bytes: "TYPE_BYTES",
  duration: "type.googleapis.com/google.protobuf.Duration",
  struct: "type.googleapis.com/google.protobuf.Struct",
};

interface Violation {
  field?: string;
  description: string;
}

// snake_case → lowerCamelCase for the handful of keys clients send in snake form.
const camelCache = new Map<string, string>();
function toCamel(key: string): string {
  let cached = camelCache.get(key);
  if (cached === undefined) {
    cached = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (camelCache.size < 10_000) camelCache.set(key, cached);
  }
  return cached;
}
const snakeCache = new Map<string, string>();
function toSnake(key: string): string {
  let cached = snakeCache.get(key);
  if (cached === undefined) {
    cached = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snakeCache.size < 10_000) snakeCache.set(key, cached);
  }
  return cached;
}

// JSON.parse turns an out-of-range literal such as 1e400 into ±Infinity; messages show it as sent
// (checkShape puts the literal back in place of these markers).
const OVERFLOW_MARK = "\u0000overflow\u0000";

function showValue(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return OVERFLOW_MARK;
  const text = JSON.stringify(value);
  return text === undefined ? "null" : text.length > 200 ? text.slice(0, 200) : text;
}

function typeName(spec: FieldSpec): string {
  if (spec.t.startsWith("enum:")) return TYPE_URL_PREFIX + spec.t.slice(5).split(".").pop();
  return SCALAR_TYPE_NAMES[spec.t] ?? TYPE_URL_PREFIX + spec.t.split(".").pop();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function int32Ok(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
  if (typeof value !== "string" || !/^-?\d{1,10}$/.test(value)) return false;
  const n = Number(value);
  return n >= INT32_MIN && n <= INT32_MAX;
}

function scalarOk(kind: string, value: unknown): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "int":
      return int32Ok(value);
    case "int64":
      if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) <= 2 ** 53;
      return typeof value === "string" && /^-?\d{1,16}$/.test(value);
    case "number":
      if (typeof value === "number") return Number.isFinite(value);
      return (
        typeof value === "string" &&
        (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) || value === "NaN" || value === "Infinity" || value === "-Infinity")
      );
    case "bytes":
      return typeof value === "string" && value.length % 4 !== 1 && BASE64.test(value);
    case "duration":
      return typeof value === "string" && /^-?\d+(\.\d{1,9})?s$/.test(value);
    case "struct":
      return isObject(value);
    case "value":
    case "any":
      return true;
    default:
      return false;
  }
}

/** Walks a JSON value against a message type, collecting proto-JSON parse violations. */
function checkMessage(value: unknown, message: string, path: string, out: Violation[]): void {
  const fields = MESSAGES[message];
  if (!fields) return;
  if (!isObject(value)) {
    out.push({
      field: path || undefined,
      description: `Invalid value at '${path}' (${TYPE_URL_PREFIX}${message.split(".").pop()}), ${showValue(value)}`,
    });
    return;
  }
  for (const key of Object.keys(value)) {
    const spec = fields[key] ?? fields[toCamel(key)];
    const fieldPath = (path ? `${path}.` : "") + toSnake(toCamel(key));
    if (!spec) {
      const where = path ? ` at '${path}'` : "";
      const violation: Violation = { description: `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.` };
      if (path) violation.field = path;
      out.push(violation);
      continue;
    }
    const fieldValue = value[key];
    if (fieldValue === null) continue;
    if (!spec.r && Array.isArray(fieldValue) && spec.t !== "value" && spec.t !== "any") {
      const where = path ? ` at '${path}'` : "";
      const violation: Violation = {
        description: `Invalid JSON payload received. Unknown name "${key}"${where}: Proto field is not repeating, cannot start list.`,
      };
      if (path) violation.field = path;
      out.push(violation);
      continue;
    }
    if (spec.r) {
      if (!Array.isArray(fieldValue)) {
        out.push({ field: fieldPath, description: `Invalid value at '${fieldPath}' (${typeName(spec)}), ${showValue(fieldValue)}` });
        continue;
      }
      for (let i = 0; i < fieldValue.length; i++) {
        const name = checkField(fieldValue[i], spec, `${fieldPath}[${i}]`, out);
        if (name !== undefined) fieldValue[i] = name;
      }
    } else {
      const name = checkField(fieldValue, spec, fieldPath, out);
      if (name !== undefined) value[key] = name;
    }
    if (out.length >= 20) return;
  }
}

// Number → name of each enum, built on first use.
const enumNames = new Map<string, Map<number, string>>();

function enumName(enumType: string, value: number): string | undefined {
  let names = enumNames.get(enumType);
  if (!names) {
    names = new Map(Object.entries(ENUMS[enumType] ?? {}).map(([name, n]) => [n, name]));
    enumNames.set(enumType, names);
  }
  return names.get(value);
}

/** Checks one field's value; for an enum given by number, returns its name to put in its place. */
function checkField(value: unknown, spec: FieldSpec, path: string, out: Violation[]): string | undefined {
  const t = spec.t;
  if (t.startsWith("enum:")) {
    const enumType = t.slice(5);
    if (typeof value === "number") {
      const name = Number.isInteger(value) ? enumName(enumType, value) : undefined;
      if (name === undefined) out.push({ field: path, description: `Invalid value at '${path}' (${typeName(spec)}), ${showValue(value)}` });
      return name;
    }
    const values = ENUMS[enumType] ?? {};
    // Schema types are accepted in lower case too: the legacy SDK's SchemaType sends "object", "string"…
    const ok =
      typeof value === "string" && (Object.hasOwn(values, value) || (enumType === "Type" && Object.hasOwn(values, value.toUpperCase())));
    if (!ok) out.push({ field: path, description: `Invalid value at '${path}' (${typeName(spec)}), ${showValue(value)}` });
    return undefined;
  }
  if (t.startsWith("map:")) {
    if (!isObject(value)) {
      out.push({ field: path, description: `Invalid value at '${path}' (${TYPE_URL_PREFIX}${t.slice(4)}), ${showValue(value)}` });
      return;
    }
    // The service names a map entry by its position, not its key.
    let entry = 0;
    for (const v of Object.values(value)) checkMessage(v, t.slice(4), `${path}[${entry++}].value`, out);
    return undefined;
  }
  if (MESSAGES[t]) {
    checkMessage(value, t, path, out);
    return undefined;
  }
  if (!scalarOk(t, value)) out.push({ field: path, description: `Invalid value at '${path}' (${typeName(spec)}), ${showValue(value)}` });
  return undefined;
}

/** Largest nesting depth of `[`/`{` in a JSON text, ignoring brackets inside strings; stops counting past `limit`. */
function jsonDepth(text: string, limit = MAX_JSON_DEPTH + 1): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) {
        max = depth;
        if (max >= limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Nesting depth of a parsed JSON value (1 for an empty array or object), counted no further than `limit`. */
function valueDepth(value: unknown, limit: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (limit <= 1) return 1;
  let max = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && max < limit - 1; i++) {
      const item: unknown = value[i];
      if (typeof item === "object" && item !== null) {
        const d = valueDepth(item, limit - 1);
        if (d > max) max = d;
      }
    }
  } else {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) {
        const d = valueDepth(item, limit - 1);
        if (d > max) max = d;
        if (max >= limit - 1) break;
      }
    }
  }
  return max + 1;
}

const TOO_DEEP = "Invalid JSON payload received. Too many nested levels.";

/** Parses a request body, answering malformed JSON the way the service does. */
export function parseJsonBody(text: string): { value: unknown } | { error: ApiError } {
  if (text.trim() === "") return { value: {} };
  // Depth is checked before syntax, as the service does. Valid JSON nests exactly as deep as its text's
  // brackets, so the parsed value is measured (cheap) and the text is scanned only when parsing fails.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (jsonDepth(text) > MAX_JSON_DEPTH) return { error: invalidArgument(TOO_DEEP, [{ description: TOO_DEEP }]) };
    const truncated = /end of (JSON|data)|Unterminated/i.test(String((err as Error).message));
    const message = `Invalid JSON payload received. ${truncated ? "Unexpected end of string." : "Unexpected token."}`;
    return { error: invalidArgument(message, [{ description: message }]) };
  }
  if (valueDepth(value, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH) return { error: invalidArgument(TOO_DEEP, [{ description: TOO_DEEP }]) };
  return { value };
}

/**
 * Checks a parsed body against a request message; returns the service's error or undefined. Enum
 * fields given by number (proto3 JSON allows either form) are rewritten to their names in place, so
 * everything after this check reads names only.
 */
export function checkShape(body: unknown, message: string, rawBody = ""): ApiError | undefined {
  if (!isObject(body)) {
    const description = `Invalid JSON payload received. Unknown name "": Root element must be a message.`;
    return invalidArgument(description, [{ description }]);
  }
  const violations: Violation[] = [];
  checkMessage(body, message, "", violations);
  if (violations.length === 0) return undefined;
  restoreOverflowLiterals(violations, rawBody);
  return invalidArgument(violations.map((v) => v.description).join("\n"), violations);
}

/** Replaces the overflow markers of showValue, in order, by the out-of-range number literals of the body. */
function restoreOverflowLiterals(violations: Violation[], rawBody: string): void {
  if (!violations.some((v) => v.description.includes(OVERFLOW_MARK))) return;
  const literals = overflowLiterals(rawBody);
  let next = 0;
  for (const v of violations) {
    v.description = v.description.replace(OVERFLOW_MARK, () => literals[next++] ?? "Infinity");
  }
}

/** Number literals of a JSON text (outside strings) that JSON.parse turns into ±Infinity. */
function overflowLiterals(text: string): string[] {
  const out: string[] = [];
  const numberAt = /-?\d+(\.\d+)?([eE][-+]?\d+)?/y;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) continue;
    numberAt.lastIndex = i;
    const match = numberAt.exec(text);
    if (!match) continue;
    if (!Number.isFinite(Number(match[0]))) out.push(match[0]);
    i += match[0].length - 1;
  }
  return out;
}

function field(obj: Record<string, unknown> | undefined, camel: string): unknown {
  if (!obj) return undefined;
  const v = obj[camel];
  return v !== undefined ? v : obj[toSnake(camel)];
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

const ALLOWED_MIME = ["text/plain", "application/json", "application/xml", "application/yaml", "text/x.enum"];

function rangeError(name: string, value: number, low: number, highExclusive: number): string {
  return `Unable to submit request because it has a ${name} value of ${value} but the supported range is from ${low} (inclusive) to ${highExclusive} (exclusive). Update the value and try again.`;
}

/** Semantic checks on a GenerateContentRequest (after the shape check); `prefix` names the message in paths. */
export function checkGenerateRequest(
  body: Record<string, unknown>,
  model: ModelInfo,
  prefix = "GenerateContentRequest",
): ApiError | undefined {
  const lines: string[] = [];
  const contents = field(body, "contents");
  if (!Array.isArray(contents) || contents.length === 0) {
    lines.push(`* ${prefix}.contents: contents is not specified\n`);
  } else {
    checkContents(contents, `${prefix}.contents`, lines);
  }
  if (lines.length > 0) return invalidArgument(lines.join(""));

  const system = field(body, "systemInstruction");
  if (isObject(system)) {
    const parts = field(system, "parts");
    if (Array.isArray(parts)) checkParts(parts, `${prefix}.system_instruction.parts`, lines);
    if (lines.length > 0) return invalidArgument(lines.join(""));
  }

  const config = field(body, "generationConfig");
  if (isObject(config)) return checkGenerationConfig(config, model, prefix);
  return undefined;
}

function checkContents(contents: unknown[], path: string, lines: string[]): void {
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    if (!isObject(content)) continue;
    const role = field(content, "role");
    if (role !== undefined && role !== null && role !== "" && role !== "user" && role !== "model" && role !== "function") {
      lines.push(`* ${path}[${i}].role: Please use a valid role: user, model.\n`);
    }
    const parts = field(content, "parts");
    if (!Array.isArray(parts) || parts.length === 0) {
      lines.push(`* ${path}[${i}].parts: contents.parts must not be empty.\n`);
      continue;
    }
    checkParts(parts, `${path}[${i}].parts`, lines);
  }
}

const PART_DATA_FIELDS = ["text", "inlineData", "functionCall", "functionResponse", "fileData", "executableCode", "codeExecutionResult"];

function checkParts(parts: unknown[], path: string, lines: string[]): void {
  for (let j = 0; j < parts.length; j++) {
    const part = parts[j];
    if (!isObject(part)) continue;
    let set = 0;
    for (const name of PART_DATA_FIELDS) if (field(part, name) !== undefined && field(part, name) !== null) set++;
    if (set === 0 && field(part, "thought") !== true) {
      lines.push(`* ${path}[${j}].data: required oneof field 'data' must have one initialized field\n`);
    } else if (set > 1) {
      lines.push(`* ${path}[${j}].data: oneof field 'data' is already set. Cannot set more than one field of a oneof.\n`);
    }
  }
}

function checkGenerationConfig(config: Record<string, unknown>, model: ModelInfo, prefix: string): ApiError | undefined {
  const temperature = asNumber(field(config, "temperature"));
  if (temperature !== undefined && (temperature < 0 || temperature > 2))
    return invalidArgument(rangeError("temperature", temperature, 0, 2.0001));
  const topP = asNumber(field(config, "topP"));
  if (topP !== undefined && (topP < 0 || topP > 1)) return invalidArgument(rangeError("top_p", topP, 0, 1.0001));
  const topK = asNumber(field(config, "topK"));
  if (topK !== undefined && topK < 0) return invalidArgument(rangeError("top_k", topK, 1, 65));
  const candidateCount = asNumber(field(config, "candidateCount"));
  if (candidateCount !== undefined && (candidateCount < 1 || candidateCount > 8) && candidateCount !== 0) {
    return invalidArgument(rangeError("candidate_count", candidateCount, 1, 9));
  }
  const maxOutputTokens = asNumber(field(config, "maxOutputTokens"));
  if (maxOutputTokens !== undefined && maxOutputTokens !== 0 && (maxOutputTokens < 1 || maxOutputTokens > model.outputTokenLimit)) {
    return invalidArgument(rangeError("max_output_tokens", maxOutputTokens, 1, model.outputTokenLimit + 1));
  }
  for (const name of ["presencePenalty", "frequencyPenalty"]) {
    const v = asNumber(field(config, name));
    if (v !== undefined && (v < -2 || v >= 2)) return invalidArgument(rangeError(toSnake(name), v, -2, 2));
  }
  const stops = field(config, "stopSequences");
  if (Array.isArray(stops) && stops.length > 5) {
    return invalidArgument(`* ${prefix}.generation_config.stop_sequences: stop_sequences must have at most 5 entries.\n`);
  }
  const mime = field(config, "responseMimeType");
  if (typeof mime === "string" && mime !== "" && !ALLOWED_MIME.includes(mime)) {
    return invalidArgument(
      `* ${prefix}.generation_config.response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\`, \`application/xml\`, \`application/yaml\` and \`text/x.enum\`.\n`,
    );
  }
  const hasSchema = field(config, "responseSchema") != null || field(config, "responseJsonSchema") != null;
  if (hasSchema && mime !== "application/json" && mime !== "text/x.enum") {
    return invalidArgument(
      `* ${prefix}.generation_config.response_mime_type: When setting response_schema, response_mime_type must be one of: application/json, text/x.enum.\n`,
    );
  }
  if (field(config, "responseSchema") != null && field(config, "responseJsonSchema") != null) {
    return invalidArgument(`* ${prefix}.generation_config.response_schema: response_schema and response_json_schema cannot both be set.\n`);
  }
  const thinking = field(config, "thinkingConfig");
  if (isObject(thinking)) return checkThinking(thinking, model);
  return undefined;
}

function checkThinking(thinking: Record<string, unknown>, model: ModelInfo): ApiError | undefined {
  const budget = asNumber(field(thinking, "thinkingBudget"));
  const level = field(thinking, "thinkingLevel");
  if (budget !== undefined && level !== undefined && level !== null) {
    return invalidArgument("You can only set only one of thinking budget and thinking level.");
  }
  if (budget === undefined || budget === -1) return undefined;
  const range = model.thinkingBudget;
  if (!range) {
    if (budget !== 0) return invalidArgument("Thinking is not supported by this model.");
    return undefined;
  }
  if (budget === 0) return range.canDisable ? undefined : invalidArgument("Budget 0 is invalid. This model only works in thinking mode.");
  if (budget < range.min || budget > range.max) return invalidArgument(`The thinking budget (${budget}) is invalid.`);
  return undefined;
}

/** Semantic checks on an EmbedContentRequest. */
export function checkEmbedRequest(body: Record<string, unknown>, prefix = "EmbedContentRequest"): ApiError | undefined {
  const content = field(body, "content");
  if (!isObject(content)) return invalidArgument(`* ${prefix}.content: content is not specified\n`);
  const parts = field(content, "parts");
  if (!Array.isArray(parts) || parts.length === 0) return invalidArgument(`* ${prefix}.content.parts: contents.parts must not be empty.\n`);
  const lines: string[] = [];
  checkParts(parts, `${prefix}.content.parts`, lines);
  if (lines.length > 0) return invalidArgument(lines.join(""));
  const dims = asNumber(field(body, "outputDimensionality"));
  if (dims !== undefined && (dims < 1 || dims > 3072)) return invalidArgument(rangeError("output_dimensionality", dims, 1, 3073));
  return undefined;
}
