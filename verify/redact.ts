// Keeps the API key out of everything verify prints or stores, wherever a server or SDK echoed it.

/** `text` with every occurrence of the key replaced by `[redacted]` (keys under 4 characters are left alone). */
export function redact(text: string, key: string): string {
  return key.length >= 4 ? text.split(key).join("[redacted]") : text;
}

/** A copy of `value` with the key replaced wherever it appears (as it would be escaped in JSON). */
export function redactValue<T>(value: T, key: string): T {
  return JSON.parse(redact(JSON.stringify(value), JSON.stringify(key).slice(1, -1))) as T;
}
