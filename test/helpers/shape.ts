// Checks a JSON value against a proto message under the proto3 JSON mapping and lists every
// difference: unknown fields, wrong types (int64 as string, int32 as number), invalid enum values.

import { resolveType, type ProtoField, type ProtoSchema } from "./proto.ts";

const INT32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/**
 * Walks `value` as the JSON form of message `messageName` and returns one line per violation
 * (empty when the value is valid). `extraFields` lists `Message.jsonName` entries allowed although
 * the protos lack them (only fields the real service was recorded sending).
 */
export function shapeViolations(
  schema: ProtoSchema,
  messageName: string,
  value: unknown,
  extraFields: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  checkMessage(schema, messageName, value, messageName, extraFields, problems);
  return problems;
}

function checkMessage(
  schema: ProtoSchema,
  messageName: string,
  value: unknown,
  path: string,
  extraFields: ReadonlySet<string>,
  problems: string[],
): void {
  const message = schema.messages.get(messageName);
  if (!message) throw new Error(`unknown message ${messageName}`);
  if (!isPlainObject(value)) {
    problems.push(`${path}: expected an object (${messageName}), got ${describe(value)}`);
    return;
  }
  const oneofsSeen = new Map<string, string>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = message.fields.get(key);
    if (!field) {
      if (!extraFields.has(`${messageName}.${key}`)) {
        problems.push(`${path}.${key}: field not in ${messageName}`);
      }
      continue;
    }
    if (field.oneof !== undefined) {
      const other = oneofsSeen.get(field.oneof);
      if (other !== undefined) problems.push(`${path}: oneof ${field.oneof} has both ${other} and ${key}`);
      oneofsSeen.set(field.oneof, key);
    }
    checkField(schema, messageName, field, fieldValue, `${path}.${key}`, extraFields, problems);
  }
}

function checkField(
  schema: ProtoSchema,
  messageName: string,
  field: ProtoField,
  value: unknown,
  path: string,
  extraFields: ReadonlySet<string>,
  problems: string[],
): void {
  if (field.label === "repeated") {
    if (!Array.isArray(value)) {
      problems.push(`${path}: expected an array, got ${describe(value)}`);
      return;
    }
    value.forEach((item, i) => {
      checkSingle(schema, messageName, field.type, item, `${path}[${i}]`, extraFields, problems);
    });
    return;
  }
  if (field.label === "map") {
    if (!isPlainObject(value)) {
      problems.push(`${path}: expected an object (map), got ${describe(value)}`);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      checkSingle(schema, messageName, field.type, item, `${path}.${key}`, extraFields, problems);
    }
    return;
  }
  checkSingle(schema, messageName, field.type, value, path, extraFields, problems);
}

function checkSingle(
  schema: ProtoSchema,
  messageName: string,
  typeName: string,
  value: unknown,
  path: string,
  extraFields: ReadonlySet<string>,
  problems: string[],
): void {
  const type = resolveType(schema, typeName, messageName);
  switch (type.kind) {
    case "message":
      checkMessage(schema, type.message.fullName, value, path, extraFields, problems);
      return;
    case "enum":
      if (typeof value !== "string" || !type.enum.values.includes(value)) {
        problems.push(`${path}: ${JSON.stringify(value)} is not a value of enum ${type.enum.fullName}`);
      }
      return;
    case "wellKnown":
      checkWellKnown(type.name, value, path, problems);
      return;
    case "scalar":
      checkScalar(type.name, value, path, problems);
  }
}

function checkScalar(name: string, value: unknown, path: string, problems: string[]): void {
  const fail = (expected: string): void => {
    problems.push(`${path}: expected ${expected} (${name}), got ${describe(value)}`);
  };
  if (INT32.has(name)) {
    if (typeof value !== "number" || !Number.isInteger(value)) fail("an integer number");
    else if (name.startsWith("u") || name.startsWith("fixed")) {
      if (value < 0 || value > 0xffffffff) fail("a uint32");
    } else if (value < -0x80000000 || value > 0x7fffffff) fail("an int32");
  } else if (INT64.has(name)) {
    if (typeof value !== "string" || !/^-?\d+$/.test(value)) fail("a decimal string");
  } else if (name === "float" || name === "double") {
    const special = value === "NaN" || value === "Infinity" || value === "-Infinity";
    if (!special && (typeof value !== "number" || !Number.isFinite(value))) fail("a number");
  } else if (name === "bool") {
    if (typeof value !== "boolean") fail("a boolean");
  } else if (name === "string") {
    if (typeof value !== "string") fail("a string");
  } else if (name === "bytes") {
    if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail("base64");
  }
}

function checkWellKnown(name: string, value: unknown, path: string, problems: string[]): void {
  switch (name) {
    case "google.protobuf.Struct":
      if (!isPlainObject(value)) problems.push(`${path}: expected an object (Struct), got ${describe(value)}`);
      return;
    case "google.protobuf.ListValue":
      if (!Array.isArray(value)) problems.push(`${path}: expected an array (ListValue), got ${describe(value)}`);
      return;
    case "google.protobuf.Duration":
      if (typeof value !== "string" || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
        problems.push(`${path}: expected a duration like "1.5s", got ${describe(value)}`);
      }
      return;
    case "google.protobuf.Timestamp":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
        problems.push(`${path}: expected an RFC 3339 timestamp, got ${describe(value)}`);
      }
      return;
    default:
      // google.protobuf.Value and google.type.* accept any JSON of their form; nothing to check.
      return;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const text = JSON.stringify(value);
  return `${typeof value} ${text === undefined ? "" : text.slice(0, 60)}`;
}
