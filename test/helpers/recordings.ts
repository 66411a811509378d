// Reads the real recorded interactions in shared/gemini-api/recordings/ (request URL, response
// status, headers and body segments) for the shape and header tests.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { GEMINI_API_REFERENCE } from "./reference.ts";

/** Where the shared recordings live. */
export const RECORDINGS_DIR = join(GEMINI_API_REFERENCE, "recordings");

export interface RecordedInteraction {
  file: string;
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  bodySegments: unknown[];
}

interface RecordingFile {
  interactions: {
    request: { method: string; url: string };
    response: { statusCode: number; headers: Record<string, string>; bodySegments?: unknown[] };
  }[];
}

/** Every interaction of every recording file, in file order. */
export function loadRecordings(dir: string = RECORDINGS_DIR): RecordedInteraction[] {
  const interactions: RecordedInteraction[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const parsed = JSON.parse(readFileSync(join(dir, file), "utf8")) as RecordingFile;
    for (const { request, response } of parsed.interactions) {
      interactions.push({
        file,
        method: request.method,
        url: request.url,
        status: response.statusCode,
        headers: response.headers,
        bodySegments: response.bodySegments ?? [],
      });
    }
  }
  return interactions;
}

/** The API method a recorded URL calls (`generateContent`, `streamGenerateContent`…). */
export function methodOfUrl(url: string): string {
  return /:([A-Za-z]+)(?:\?|$)/.exec(url)?.[1] ?? "models";
}
