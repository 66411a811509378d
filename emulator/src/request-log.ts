// Optional log of received API requests (method, path, query, headers, body) so tests can check what
// clients send. Bounded to the newest `limit` entries; API keys are redacted in headers and query.

/** One logged request. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

const REDACTED = "[redacted]";
const SECRET_HEADERS = new Set(["x-goog-api-key", "authorization", "cookie"]);

/** Copies headers and query with credentials replaced by `[redacted]`. */
export function redact(
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams,
): { headers: Record<string, string>; query: Record<string, string> } {
  const h: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    h[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : Array.isArray(value) ? value.join(", ") : value;
  }
  const q: Record<string, string> = {};
  for (const [name, value] of query) q[name] = name === "key" ? REDACTED : value;
  return { headers: h, query: q };
}

/** A ring of the newest requests. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  constructor(public limit: number) {}

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }
  list(): LoggedRequest[] {
    return this.entries;
  }
  reset(): void {
    this.entries = [];
  }
}
