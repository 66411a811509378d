// The proto schema of the shape tests: messages with their fields (type, label, JSON name) and
// enums with their values, read from the committed digest (test/fixtures/gemini-api/) or, by the
// fixture derivation, from the official Generative Language API .proto files themselves.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE_DIR, SCHEMA_FIXTURE } from "../fixtures/files.ts";

type FieldLabel = "" | "optional" | "repeated" | "map";

export interface ProtoField {
  name: string;
  /** proto3 JSON name: lowerCamelCase of the field name. */
  jsonName: string;
  /** The type as written (`int32`, `Content`, `google.protobuf.Struct`…); for maps, the value type. */
  type: string;
  label: FieldLabel;
  /** For maps, the key type. */
  keyType?: string;
  /** Name of the oneof the field belongs to, if any. */
  oneof?: string;
}

interface ProtoMessage {
  /** Full name inside the package, nested names joined with dots: `GenerateContentResponse.UsageMetadata`. */
  fullName: string;
  fields: Map<string, ProtoField>;
}

interface ProtoEnum {
  fullName: string;
  values: string[];
}

export interface ProtoSchema {
  messages: Map<string, ProtoMessage>;
  enums: Map<string, ProtoEnum>;
}

/** One field as the fixture digest writes it; message and enum types are absolute (`.Candidate`). */
export interface FieldDigest {
  json: string;
  keyType?: string;
  label: FieldLabel;
  name: string;
  oneof?: string;
  type: string;
}

/** The committed digest: messages (fields in declaration order) and enums (values in order). */
export interface SchemaDigest {
  source: string;
  enums: Record<string, string[]>;
  messages: Record<string, FieldDigest[]>;
}

/** The schema of the committed fixture (the response messages and everything they reach). */
export function loadSchemaFixture(): ProtoSchema {
  return schemaFromDigest(JSON.parse(readFileSync(join(FIXTURE_DIR, SCHEMA_FIXTURE), "utf8")) as SchemaDigest);
}

/** Builds a schema from its digest. */
function schemaFromDigest(digest: SchemaDigest): ProtoSchema {
  const schema: ProtoSchema = { messages: new Map(), enums: new Map() };
  for (const [fullName, values] of Object.entries(digest.enums)) schema.enums.set(fullName, { fullName, values });
  for (const [fullName, fields] of Object.entries(digest.messages)) {
    const message: ProtoMessage = { fullName, fields: new Map() };
    for (const { json, keyType, label, name, oneof, type } of fields) {
      const field: ProtoField = { name, jsonName: json, type, label };
      if (keyType !== undefined) field.keyType = keyType;
      if (oneof !== undefined) field.oneof = oneof;
      message.fields.set(json, field);
    }
    schema.messages.set(fullName, message);
  }
  return schema;
}

/** Reads every .proto file in a folder into one schema (they share one package). */
export function loadProtoDir(dir: string): ProtoSchema {
  const schema: ProtoSchema = { messages: new Map(), enums: new Map() };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".proto"))
    .sort()) {
    parseProtoInto(readFileSync(join(dir, file), "utf8"), schema);
  }
  return schema;
}

/** Parses one .proto source text and adds its messages and enums to `schema`. */
export function parseProtoInto(source: string, schema: ProtoSchema): void {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string => {
    const token = tokens[pos++];
    if (token === undefined) throw new Error("proto: unexpected end of file");
    return token;
  };
  const expect = (wanted: string): void => {
    const got = next();
    if (got !== wanted) throw new Error(`proto: expected "${wanted}", got "${got}" at token ${pos - 1}`);
  };
  const skipStatement = (): void => {
    let depth = 0;
    for (;;) {
      const token = next();
      if (token === "{") depth++;
      else if (token === "}") {
        depth--;
        if (depth === 0) return;
      } else if (token === ";" && depth === 0) return;
    }
  };
  const skipOptions = (): void => {
    if (peek() !== "[") return;
    let depth = 0;
    for (;;) {
      const token = next();
      if (token === "[" || token === "{") depth++;
      else if (token === "]" || token === "}") {
        depth--;
        if (depth === 0) return;
      }
    }
  };

  const parseEnum = (scope: string): void => {
    const name = next();
    const fullName = scope ? `${scope}.${name}` : name;
    const values: string[] = [];
    expect("{");
    while (peek() !== "}") {
      const token = next();
      if (token === "option" || token === "reserved") {
        skipStatement();
        continue;
      }
      expect("=");
      next();
      skipOptions();
      expect(";");
      values.push(token);
    }
    expect("}");
    schema.enums.set(fullName, { fullName, values });
  };

  const parseField = (message: ProtoMessage, first: string, oneof?: string): void => {
    let label: FieldLabel = "";
    let type = first;
    let keyType: string | undefined;
    if (first === "repeated" || first === "optional") {
      label = first;
      type = next();
    }
    if (type === "map") {
      expect("<");
      keyType = next();
      expect(",");
      type = next();
      expect(">");
      label = "map";
    }
    const name = next();
    expect("=");
    next();
    skipOptions();
    expect(";");
    const field: ProtoField = { name, jsonName: lowerCamel(name), type, label };
    if (keyType !== undefined) field.keyType = keyType;
    if (oneof !== undefined) field.oneof = oneof;
    message.fields.set(field.jsonName, field);
  };

  const parseMessage = (scope: string): void => {
    const name = next();
    const fullName = scope ? `${scope}.${name}` : name;
    const message: ProtoMessage = { fullName, fields: new Map() };
    schema.messages.set(fullName, message);
    expect("{");
    while (peek() !== "}") {
      const token = next();
      if (token === "message") parseMessage(fullName);
      else if (token === "enum") parseEnum(fullName);
      else if (token === "option" || token === "reserved" || token === "extensions") skipStatement();
      else if (token === "oneof") {
        const oneofName = next();
        expect("{");
        while (peek() !== "}") {
          const inner = next();
          if (inner === "option") skipStatement();
          else parseField(message, inner, oneofName);
        }
        expect("}");
      } else if (token === ";") continue;
      else parseField(message, token);
    }
    expect("}");
  };

  while (pos < tokens.length) {
    const token = next();
    if (token === "message") parseMessage("");
    else if (token === "enum") parseEnum("");
    else if (token === ";") continue;
    else skipStatement(); // syntax, package, import, option, service
  }
}

/** proto3 JSON name of a field: `prompt_token_count` → `promptTokenCount`. */
function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export type ResolvedType =
  | { kind: "scalar"; name: string }
  | { kind: "message"; message: ProtoMessage }
  | { kind: "enum"; enum: ProtoEnum }
  | { kind: "wellKnown"; name: string };

const SCALARS = new Set([
  "double",
  "float",
  "int32",
  "int64",
  "uint32",
  "uint64",
  "sint32",
  "sint64",
  "fixed32",
  "fixed64",
  "sfixed32",
  "sfixed64",
  "bool",
  "string",
  "bytes",
]);

/**
 * Resolves a type name as protoc does: from the innermost scope of `fromMessage` outwards, so
 * `UsageMetadata` inside `GenerateContentResponse` is the nested one, not the top-level one.
 * A name with a leading dot is absolute within the package (`.GenerateContentResponse.UsageMetadata`).
 */
export function resolveType(schema: ProtoSchema, typeName: string, fromMessage: string): ResolvedType {
  if (SCALARS.has(typeName)) return { kind: "scalar", name: typeName };
  if (typeName.startsWith("google.") && !typeName.startsWith("google.ai.")) {
    return { kind: "wellKnown", name: typeName };
  }
  const absolute = typeName.startsWith(".");
  const local = typeName.replace(/^\.?google\.ai\.generativelanguage\.v1beta\./, "").replace(/^\./, "");
  const scopes = absolute ? [] : fromMessage.split(".");
  for (let depth = scopes.length; depth >= 0; depth--) {
    const candidate = [...scopes.slice(0, depth), local].join(".");
    const message = schema.messages.get(candidate);
    if (message) return { kind: "message", message };
    const protoEnum = schema.enums.get(candidate);
    if (protoEnum) return { kind: "enum", enum: protoEnum };
  }
  throw new Error(`proto: cannot resolve type "${typeName}" from ${fromMessage}`);
}

function tokenize(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, " ");
  return withoutComments.match(/"(?:[^"\\]|\\.)*"|[A-Za-z_.][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?|[{}[\]()<>=;,:]/g) ?? [];
}
