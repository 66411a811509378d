// The real recorded interactions the tests compare against (request URL, response status, headers
// and body segments, and the request body where it declares tools), read from the committed
// fixture test/fixtures/gemini-api/recordings.json.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE_DIR, RECORDINGS_FIXTURE } from "../fixtures/files.ts";

/** One recorded HTTP interaction with the real service. */
export interface RecordedInteraction {
  /** The recording it comes from (the @google/genai test's name). */
  recording: string;
  /** Its position in that recording. */
  index: number;
  method: string;
  url: string;
  /** The request body, kept only when it declares tools (the tool token tests send it again). */
  requestBody?: Record<string, unknown>;
  status: number;
  /** Response headers as recorded. */
  headers: Record<string, string>;
  /** The response body: one element per SSE event of a stream, one element otherwise. */
  bodySegments: unknown[];
}

/** The fixture file: where it came from, and the interactions by recording, then position. */
export interface RecordingsDigest {
  source: string;
  interactions: RecordedInteraction[];
}

/** Every recorded interaction of the committed fixture, by recording name, then position. */
export function loadRecordings(): RecordedInteraction[] {
  const digest = JSON.parse(readFileSync(join(FIXTURE_DIR, RECORDINGS_FIXTURE), "utf8")) as RecordingsDigest;
  return digest.interactions;
}

/** The API method a recorded URL calls (`generateContent`, `streamGenerateContent`…). */
export function methodOfUrl(url: string): string {
  return /:([A-Za-z]+)(?:\?|$)/.exec(url)?.[1] ?? "models";
}
