// Warnings for settings that would otherwise be ignored without a word: misspelled GEMINI_* variables
// and load flags the chosen scenario does not use. Used by `npm run load` and `npm start`.

import { KNOWN_VARIABLES, unknownVariables } from "../../lib/config.ts";

/** One line per GEMINI_* variable nothing reads, with the known name it most likely meant. */
export function unknownVariableWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  return unknownVariables(env).map((name) => {
    const guess = closestName(name);
    return `warning: ${name} is not a setting of gemini-k6 and is ignored${guess ? `; did you mean ${guess}?` : ""}`;
  });
}

/**
 * A warning when a load setting has no effect on the chosen scenario: VUs shape only the closed model,
 * the rate only the open one. `given` names how each was set (e.g. "--vus" or "GEMINI_VUS").
 */
export function scenarioMismatchWarnings(scenario: string, given: { vus?: string; rate?: string }): string[] {
  const warnings: string[] = [];
  if (scenario === "open" && given.vus)
    warnings.push(
      `warning: ${given.vus} has no effect with scenario open (a fixed arrival rate): set --rate, or choose --scenario closed or both`,
    );
  if (scenario === "closed" && given.rate)
    warnings.push(`warning: ${given.rate} has no effect with scenario closed (VUs): set --vus, or choose --scenario open or both`);
  return warnings;
}

/** The known name within a small edit distance (about one typo per five letters), if any. */
function closestName(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN_VARIABLES) {
    const distance = editDistance(name, known);
    if (best === undefined || distance < best.distance) best = { name: known, distance };
  }
  const limit = Math.max(2, Math.floor((name.length - "GEMINI_".length) / 5));
  return best !== undefined && best.distance <= limit ? best.name : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
