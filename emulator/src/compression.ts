// Content negotiation for gzip. The service gzips non-streamed generateContent answers when the client
// asks (every such recording: `Accept-Encoding: gzip, deflate` → `Content-Encoding: gzip`) and never
// compresses an SSE or JSON-array stream.

/** True when an Accept-Encoding header accepts gzip (by name or `*`, with a q-value above 0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(",") : header;
  let accepted = false;
  for (const item of value.split(",")) {
    const [name = "", ...params] = item.split(";").map((s) => s.trim().toLowerCase());
    if (name !== "gzip" && name !== "*") continue;
    const q = params.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    // An explicit gzip entry wins over `*`.
    if (name === "gzip") return weight > 0;
    accepted = weight > 0;
  }
  return accepted;
}
