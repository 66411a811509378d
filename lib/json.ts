// Reading JSON a service sent, where a body that is not JSON is an answer that broke its contract,
// not an exception.

/** The parsed value, or undefined when `text` is not JSON (JSON itself never yields undefined). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
