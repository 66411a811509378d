// The moderation scenario's checks, their tags and its own metric, built once, shared with the bench's
// instrumentation floor so the two cannot record different samples.

import { check } from "k6";
import { Rate } from "k6/metrics";

/** Share of verdicts equal to the post's label (tag `label`); created at init, as k6 requires. */
export const moderationCorrect = new Rate("gemini_moderation_correct");

/** What the contract checks look at: one object per VU, overwritten for every answer. */
interface ContractSubject {
  ok: boolean;
  status: number;
  valid: boolean;
}

/** Contract checks on every answer: the `checks{check_kind:contract}` threshold gates on them. */
export const CONTRACT_CHECKS = {
  "status is 200": (o: ContractSubject) => o.ok && o.status === 200,
  "verdict is one of the categories": (o: ContractSubject) => o.valid,
};

/** The accuracy check on every valid verdict (reported, not gated). */
export const ACCURACY_CHECK = { "verdict matches the label": (correct: boolean) => correct };

/** Tags of the contract checks. */
export const CONTRACT_TAGS = { check_kind: "contract" };

/** Tags of the accuracy check. */
export const ACCURACY_TAGS = { check_kind: "accuracy" };

// k6 builds a module's exports anew on every read of an imported binding such as `check` (a map and a
// wrapped Go function each time), so it is read once. check() calls the functions before it returns and
// keeps nothing, so one subject serves every answer: no object is allocated per request.
const checkNow = check;
const subject: ContractSubject = { ok: false, status: 0, valid: false };

/** Runs {@link CONTRACT_CHECKS} on one answer (two `checks` samples tagged `check_kind: contract`); true when both pass. */
export function checkContract(ok: boolean, status: number, valid: boolean): boolean {
  subject.ok = ok;
  subject.status = status;
  subject.valid = valid;
  return checkNow(subject, CONTRACT_CHECKS, CONTRACT_TAGS);
}

/** Runs {@link ACCURACY_CHECK} on one valid verdict (one `checks` sample tagged `check_kind: accuracy`). */
export function checkAccuracy(correct: boolean): boolean {
  return checkNow(correct, ACCURACY_CHECK, ACCURACY_TAGS);
}
