// The moderation scenario's checks, their tags and its own metric, built once, shared with the bench's
// instrumentation floor so the two cannot record different samples.

import { Rate } from "k6/metrics";

/** Share of verdicts equal to the post's label (tag `label`); created at init, as k6 requires. */
export const moderationCorrect = new Rate("gemini_moderation_correct");

/** Contract checks on every answer: the `checks{check_kind:contract}` threshold gates on them. */
export const CONTRACT_CHECKS = {
  "status is 200": (o: { ok: boolean; status: number }) => o.ok && o.status === 200,
  "verdict is one of the categories": (o: { valid: boolean }) => o.valid,
};

/** The accuracy check on every valid verdict (reported, not gated). */
export const ACCURACY_CHECK = { "verdict matches the label": (correct: boolean) => correct };

/** Tags of the contract checks. */
export const CONTRACT_TAGS = { check_kind: "contract" };

/** Tags of the accuracy check. */
export const ACCURACY_TAGS = { check_kind: "accuracy" };
