// Builds a JSON value that validates against a response schema: the Gemini `responseSchema` (OpenAPI
// subset: type STRING/NUMBER/INTEGER/BOOLEAN/ARRAY/OBJECT/NULL, enum, format, properties, required,
// items, nullable, anyOf, min/max bounds) or a `responseJsonSchema` (JSON Schema: type or type list,
// const, enum, $ref/$defs, anyOf/oneOf/allOf, prefixItems, bounds, formats). `pattern` is not honoured.

import type { Rng } from "./random.ts";

/** Lets a caller decide a field's value (e.g. the moderation verdict); undefined = fill normally. */
export type Chooser = (key: string, schema: Record<string, unknown>) => unknown;

const WORDS = ["alpha", "beta", "gamma", "delta", "river", "stone", "cloud", "maple", "signal", "harbor", "amber", "orbit", "meadow", "copper", "lantern"];
const MAX_DEPTH = 12;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** The JSON type(s) a schema allows, lowercased; Gemini's upper-case Type names map to JSON Schema's. */
function typesOf(schema: Record<string, unknown>): string[] {
  const t = schema.type;
  const list = Array.isArray(t) ? t : t === undefined ? [] : [t];
  const out = list.filter((x): x is string => typeof x === "string").map((x) => x.toLowerCase());
  if (schema.nullable === true && !out.includes("null")) out.push("null");
  return out;
}

/** Fills `schema` deterministically from `rng`; `root` resolves `$ref`s. */
export function fillSchema(schema: unknown, rng: Rng, chooser?: Chooser, root?: unknown): unknown {
  return fill(schema, rng, chooser, root ?? schema, "", 0);
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObj(node) ? node[key] : undefined;
  }
  return node ?? {};
}

function fill(schema: unknown, rng: Rng, chooser: Chooser | undefined, root: unknown, key: string, depth: number): unknown {
  if (schema === true || schema === undefined || schema === null) return "value";
  if (!isObj(schema)) return null;
  if (typeof schema.$ref === "string" && depth < MAX_DEPTH) {
    return fill({ ...(resolveRef(schema.$ref, root) as object), ...omit(schema, "$ref") }, rng, chooser, root, key, depth + 1);
  }
  if (chooser) {
    const chosen = chooser(key, schema);
    if (chosen !== undefined) return chosen;
  }
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return rng.pick(schema.enum);
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged = schema.allOf.reduce<Record<string, unknown>>((acc, s) => mergeSchemas(acc, isObj(s) ? s : {}), omit(schema, "allOf"));
    return fill(merged, rng, chooser, root, key, depth + 1);
  }
  const alternatives = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined) as unknown[] | undefined;
  if (alternatives && alternatives.length > 0) {
    // The first non-null alternative keeps oneOf unambiguous in the common "X or null" case.
    const pickAlt = alternatives.find((a) => !(isObj(a) && typesOf(a).length === 1 && typesOf(a)[0] === "null")) ?? alternatives[0];
    return fill(pickAlt, rng, chooser, root, key, depth + 1);
  }
  const types = typesOf(schema);
  let type = types.find((t) => t !== "null") ?? types[0];
  if (!type) type = schema.properties ? "object" : schema.items || schema.prefixItems ? "array" : "string";
  if (depth >= MAX_DEPTH) return type === "null" ? null : type === "object" ? {} : type === "array" ? [] : fillScalar(type, schema, rng, key);
  switch (type) {
    case "object":
      return fillObject(schema, rng, chooser, root, depth);
    case "array":
      return fillArray(schema, rng, chooser, root, key, depth);
    default:
      return fillScalar(type, schema, rng, key);
  }
}

function omit(o: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _drop, ...rest } = o;
  return rest;
}

function mergeSchemas(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a, ...b };
  if (isObj(a.properties) && isObj(b.properties)) out.properties = { ...a.properties, ...b.properties };
  if (Array.isArray(a.required) && Array.isArray(b.required)) out.required = [...new Set([...a.required, ...b.required])];
  return out;
}

function fillObject(schema: Record<string, unknown>, rng: Rng, chooser: Chooser | undefined, root: unknown, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = isObj(schema.properties) ? schema.properties : {};
  const ordering = Array.isArray(schema.propertyOrdering) ? (schema.propertyOrdering as unknown[]).filter((k): k is string => typeof k === "string") : [];
  const names = [...new Set([...ordering.filter((k) => k in props), ...Object.keys(props)])];
  const maxProps = num(schema.maxProperties);
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]).filter((k): k is string => typeof k === "string") : []);
  let count = 0;
  for (const name of names) {
    if (maxProps !== undefined && count >= maxProps && !required.has(name)) continue;
    out[name] = fill(props[name], rng, chooser, root, name, depth + 1);
    count++;
  }
  // Required names without a property schema still need a value.
  for (const name of required) if (!(name in out)) out[name] = "value";
  const minProps = num(schema.minProperties) ?? 0;
  const extra = schema.additionalProperties;
  for (let i = 0; Object.keys(out).length < minProps && i < 100; i++) {
    out[`field_${i}`] = isObj(extra) ? fill(extra, rng, chooser, root, `field_${i}`, depth + 1) : "value";
  }
  return out;
}

function fillArray(schema: Record<string, unknown>, rng: Rng, chooser: Chooser | undefined, root: unknown, key: string, depth: number): unknown[] {
  const min = Math.max(0, Math.floor(num(schema.minItems) ?? 0));
  const max = Math.floor(num(schema.maxItems) ?? Math.max(min, 3));
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const length = Math.min(max, Math.max(min, prefix.length, rng.int(1, 3)));
  const out: unknown[] = [];
  const items = schema.items;
  const unique = schema.uniqueItems === true;
  for (let i = 0; i < length; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : items === false ? undefined : items;
    if (itemSchema === undefined && i >= prefix.length && items === false) break;
    let value = fill(itemSchema ?? {}, rng, chooser, root, key, depth + 1);
    if (unique) {
      for (let tries = 0; tries < 5 && out.some((v) => JSON.stringify(v) === JSON.stringify(value)); tries++) {
        value = fill(itemSchema ?? {}, rng, chooser, root, `${key}#${i}`, depth + 1);
      }
      if (out.some((v) => JSON.stringify(v) === JSON.stringify(value))) {
        if (out.length >= min) break;
      }
    }
    out.push(value);
  }
  return out;
}

function fillScalar(type: string, schema: Record<string, unknown>, rng: Rng, key: string): unknown {
  switch (type) {
    case "boolean":
      return rng.next() < 0.5;
    case "null":
      return null;
    case "integer":
    case "number": {
      let low = num(schema.minimum) ?? 0;
      let high = num(schema.maximum) ?? low + 100;
      const exMin = num(schema.exclusiveMinimum);
      const exMax = num(schema.exclusiveMaximum);
      if (exMin !== undefined) low = Math.max(low, type === "integer" ? Math.floor(exMin) + 1 : exMin + 1e-6);
      else if (schema.exclusiveMinimum === true) low += type === "integer" ? 1 : 1e-6;
      if (exMax !== undefined) high = Math.min(high, type === "integer" ? Math.ceil(exMax) - 1 : exMax - 1e-6);
      else if (schema.exclusiveMaximum === true) high -= type === "integer" ? 1 : 1e-6;
      if (high < low) high = low;
      if (type === "integer") {
        const lo = Math.ceil(low);
        const hi = Math.max(lo, Math.floor(high));
        const multiple = num(schema.multipleOf);
        const v = rng.int(lo, hi);
        return multiple && multiple > 0 && Number.isInteger(multiple) ? Math.max(lo, Math.ceil(lo / multiple) * multiple) : v;
      }
      return Math.round((low + rng.next() * (high - low)) * 1000) / 1000;
    }
    default:
      return fillString(schema, rng, key);
  }
}

function fillString(schema: Record<string, unknown>, rng: Rng, key: string): string {
  const format = typeof schema.format === "string" ? schema.format : "";
  let text: string;
  switch (format) {
    case "date-time":
      text = new Date(Date.UTC(2025, 0, 1) + rng.int(0, 364) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      break;
    case "date":
      text = new Date(Date.UTC(2025, 0, 1) + rng.int(0, 364) * 86_400_000).toISOString().slice(0, 10);
      break;
    case "time":
      text = `${String(rng.int(0, 23)).padStart(2, "0")}:${String(rng.int(0, 59)).padStart(2, "0")}:00Z`;
      break;
    case "email":
      text = `${rng.pick(WORDS)}@example.com`;
      break;
    case "uri":
    case "url":
      text = `https://example.com/${rng.pick(WORDS)}`;
      break;
    case "uuid": {
      const hex = (n: number): string => Array.from({ length: n }, () => "0123456789abcdef"[rng.int(0, 15)]).join("");
      text = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
      break;
    }
    default: {
      const words = rng.int(1, 4);
      const parts: string[] = [];
      for (let i = 0; i < words; i++) parts.push(rng.pick(WORDS));
      text = key ? `${key} ${parts.join(" ")}`.trim() : parts.join(" ");
    }
  }
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength);
  while (text.length < min) text += " " + rng.pick(WORDS);
  if (max !== undefined && text.length > max) text = text.slice(0, Math.max(min, max));
  return text;
}
