// Builds a JSON value that validates against a response schema: the Gemini `responseSchema` (OpenAPI
// subset: type STRING/NUMBER/INTEGER/BOOLEAN/ARRAY/OBJECT/NULL, enum, format, properties, required,
// items, nullable, anyOf, min/max bounds) or a `responseJsonSchema` (JSON Schema: type or type list,
// const, enum, $ref/$defs, anyOf/oneOf/allOf, prefixItems, bounds, formats). `pattern` is not honoured.
// Like the real model, it writes no more than the output budget allows: once the budget (in characters of
// JSON) is spent it stops adding items, properties and padding, and reports the value as cut.

import type { Rng } from "./random.ts";

/** Lets a caller decide a field's value (e.g. the moderation verdict); undefined = fill normally. */
export type Chooser = (key: string, schema: Record<string, unknown>) => unknown;

const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "river",
  "stone",
  "cloud",
  "maple",
  "signal",
  "harbor",
  "amber",
  "orbit",
  "meadow",
  "copper",
  "lantern",
];
const MAX_DEPTH = 12;
/** Hard caps, whatever the budget: no schema keyword makes one request build an unbounded value. */
const MAX_ARRAY_ITEMS = 100_000;
const MAX_STRING_CHARS = 1_000_000;
const MAX_PROPERTIES = 1_000;

/** A filled value; `cut` when the budget ran out before the schema was satisfied. */
export interface Filled {
  value: unknown;
  cut: boolean;
}

/** What one fill carries along: the randomness, the caller's choices, the $ref root and the budget left. */
interface Fill {
  rng: Rng;
  chooser: Chooser | undefined;
  root: unknown;
  /** Characters of JSON still allowed. */
  left: number;
  cut: boolean;
}

function spend(f: Fill, chars: number): void {
  f.left -= chars;
}

function spent(f: Fill): boolean {
  if (f.left > 0) return false;
  f.cut = true;
  return true;
}

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

/** Fills `schema` deterministically from `rng`, within `budgetChars` characters of JSON, and tells whether the budget cut the value short. */
export function fillSchemaWithin(schema: unknown, rng: Rng, budgetChars: number, chooser?: Chooser): Filled {
  const f: Fill = { rng, chooser, root: schema, left: budgetChars, cut: false };
  const value = fill(f, schema, "", 0);
  return { value, cut: f.cut };
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

function fill(f: Fill, schema: unknown, key: string, depth: number): unknown {
  if (schema === true || schema === undefined || schema === null) {
    spend(f, 7);
    return "value";
  }
  if (!isObj(schema)) {
    spend(f, 4);
    return null;
  }
  if (typeof schema.$ref === "string" && depth < MAX_DEPTH && !spent(f)) {
    return fill(f, { ...(resolveRef(schema.$ref, f.root) as object), ...omit(schema, "$ref") }, key, depth + 1);
  }
  if (f.chooser) {
    const chosen = f.chooser(key, schema);
    if (chosen !== undefined) return charged(f, chosen);
  }
  if ("const" in schema) return charged(f, schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return charged(f, f.rng.pick(schema.enum));
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged = schema.allOf.reduce<Record<string, unknown>>((acc, s) => mergeSchemas(acc, isObj(s) ? s : {}), omit(schema, "allOf"));
    return fill(f, merged, key, depth + 1);
  }
  const alternatives = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined) as
    | unknown[]
    | undefined;
  if (alternatives && alternatives.length > 0) {
    // The first non-null alternative keeps oneOf unambiguous in the common "X or null" case.
    const pickAlt = alternatives.find((a) => !(isObj(a) && typesOf(a).length === 1 && typesOf(a)[0] === "null")) ?? alternatives[0];
    return fill(f, pickAlt, key, depth + 1);
  }
  const types = typesOf(schema);
  let type = types.find((t) => t !== "null") ?? types[0];
  if (!type) type = schema.properties ? "object" : schema.items || schema.prefixItems ? "array" : "string";
  if (depth >= MAX_DEPTH || spent(f)) {
    if (type === "object" || type === "array") spend(f, 2);
    return type === "null" ? null : type === "object" ? {} : type === "array" ? [] : charged(f, fillScalar(f, type, schema, key));
  }
  switch (type) {
    case "object":
      return fillObject(f, schema, depth);
    case "array":
      return fillArray(f, schema, key, depth);
    default:
      return charged(f, fillScalar(f, type, schema, key));
  }
}

/** Charges a finished value's JSON length against the budget and returns it. */
function charged(f: Fill, value: unknown): unknown {
  spend(f, typeof value === "string" ? value.length + 2 : (JSON.stringify(value) ?? "null").length);
  return value;
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

function fillObject(f: Fill, schema: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  spend(f, 2);
  const props = isObj(schema.properties) ? schema.properties : {};
  const ordering = Array.isArray(schema.propertyOrdering)
    ? (schema.propertyOrdering as unknown[]).filter((k): k is string => typeof k === "string")
    : [];
  const names = [...new Set([...ordering.filter((k) => k in props), ...Object.keys(props)])];
  const maxProps = num(schema.maxProperties);
  const required = new Set(
    Array.isArray(schema.required) ? (schema.required as unknown[]).filter((k): k is string => typeof k === "string") : [],
  );
  let count = 0;
  for (const name of names) {
    if (count >= MAX_PROPERTIES || spent(f)) return out;
    if (maxProps !== undefined && count >= maxProps && !required.has(name)) continue;
    spend(f, name.length + 4);
    out[name] = fill(f, props[name], name, depth + 1);
    count++;
  }
  // Required names without a property schema still need a value.
  for (const name of required) {
    if (spent(f)) return out;
    if (!(name in out)) {
      spend(f, name.length + 11);
      out[name] = "value";
    }
  }
  const minProps = num(schema.minProperties) ?? 0;
  const extra = schema.additionalProperties;
  for (let i = 0; Object.keys(out).length < minProps && i < 100 && !spent(f); i++) {
    spend(f, 12);
    out[`field_${i}`] = isObj(extra) ? fill(f, extra, `field_${i}`, depth + 1) : charged(f, "value");
  }
  return out;
}

function fillArray(f: Fill, schema: Record<string, unknown>, key: string, depth: number): unknown[] {
  const min = Math.min(MAX_ARRAY_ITEMS, Math.max(0, Math.floor(num(schema.minItems) ?? 0)));
  const max = Math.floor(num(schema.maxItems) ?? Math.max(min, 3));
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const length = Math.min(max, MAX_ARRAY_ITEMS, Math.max(min, prefix.length, f.rng.int(1, 3)));
  const out: unknown[] = [];
  spend(f, 2);
  const items = schema.items;
  // Serialized items already in the array, for uniqueItems: one lookup instead of a scan per item.
  const seen = schema.uniqueItems === true ? new Set<string>() : undefined;
  for (let i = 0; i < length; i++) {
    if (spent(f)) break;
    const itemSchema = i < prefix.length ? prefix[i] : items === false ? undefined : items;
    if (itemSchema === undefined && i >= prefix.length && items === false) break;
    spend(f, 1);
    let value = fill(f, itemSchema ?? {}, key, depth + 1);
    if (seen) {
      let serialized = JSON.stringify(value) ?? "null";
      for (let tries = 0; tries < 5 && seen.has(serialized) && !spent(f); tries++) {
        value = fill(f, itemSchema ?? {}, `${key}#${i}`, depth + 1);
        serialized = JSON.stringify(value) ?? "null";
      }
      if (seen.has(serialized) && out.length >= min) break;
      seen.add(serialized);
    }
    out.push(value);
  }
  return out;
}

function fillScalar(f: Fill, type: string, schema: Record<string, unknown>, key: string): unknown {
  const rng = f.rng;
  switch (type) {
    case "boolean":
      return rng.next() < 0.5;
    case "null":
      return null;
    case "integer":
    case "number": {
      const exMin = num(schema.exclusiveMinimum);
      const exMax = num(schema.exclusiveMaximum);
      const upper = num(schema.maximum) ?? exMax;
      const lower = num(schema.minimum) ?? exMin;
      // With only an upper bound, the default range 0…100 is moved below it when it does not fit.
      let low = num(schema.minimum) ?? (lower === undefined && upper !== undefined && upper <= 0 ? upper - 100 : 0);
      let high = num(schema.maximum) ?? low + 100;
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
      return fillString(f, schema, key);
  }
}

function fillString(f: Fill, schema: Record<string, unknown>, key: string): string {
  const rng = f.rng;
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
  const wanted = num(schema.minLength) ?? 0;
  const min = Math.min(wanted, MAX_STRING_CHARS, Math.max(0, f.left));
  if (min < wanted) f.cut = true;
  const max = num(schema.maxLength);
  const padding: string[] = [text];
  let length = text.length;
  while (length < min) {
    const word = rng.pick(WORDS);
    padding.push(word);
    length += word.length + 1;
  }
  if (padding.length > 1) text = padding.join(" ");
  if (max !== undefined && text.length > max) text = text.slice(0, Math.max(min, max));
  return text;
}
