// The bare script of `npm run bench:k6`: the same requests and load shape as dist/moderation.js and
// nothing else (no parsing, metrics or checks): what k6 costs per request before a script adds its own.

import { benchScenarios, pickPost, postModeration } from "./internal/posted-requests.ts";

export const options = { scenarios: benchScenarios };

export default function (): void {
  postModeration(pickPost());
}
