// Batch Mode jobs: what a job holds (its answers, planned when it was created) and the state it is in
// at a given moment, derived from the clock and the modelled turnaround, so no timer runs per job.

import { randomBytes } from "node:crypto";
import type { BatchSettings } from "./profiles.ts";

/** The service's batch states (`@google/genai` maps them to `JOB_STATE_*`). */
export type BatchState =
  | "BATCH_STATE_PENDING"
  | "BATCH_STATE_RUNNING"
  | "BATCH_STATE_SUCCEEDED"
  | "BATCH_STATE_FAILED"
  | "BATCH_STATE_CANCELLED"
  | "BATCH_STATE_EXPIRED";

/** The outcome of one inlined request: a GenerateContentResponse or a google.rpc.Status. */
export interface BatchItem {
  metadata?: unknown;
  response?: Record<string, unknown>;
  error?: { code: number; message: string; status: string };
  promptTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
}

/** One job, as created; its state is computed by {@link batchStateAt}. */
export interface BatchJob {
  id: string;
  model: string;
  displayName: string;
  createdAtMs: number;
  /** When it leaves PENDING, and when it would be done. */
  startsAtMs: number;
  doneAtMs: number;
  expireAtMs: number;
  items: BatchItem[];
  cancelledAtMs?: number;
}

/** The plan of a new job's clock under the given turnaround settings. */
export function scheduleBatch(
  settings: BatchSettings,
  createdAtMs: number,
  requests: number,
): Pick<BatchJob, "startsAtMs" | "doneAtMs" | "expireAtMs"> {
  const startsAtMs = createdAtMs + settings.pendingMs;
  const doneAtMs = startsAtMs + settings.runMs + settings.runMsPerRequest * requests;
  return { startsAtMs, doneAtMs, expireAtMs: createdAtMs + settings.expireMs };
}

/** A job's state at `t` (ms since the epoch), how many of its requests are finished, and since when it is in that state. */
export function batchStateAt(job: BatchJob, t: number): { state: BatchState; finished: number; sinceMs: number } {
  if (job.cancelledAtMs !== undefined && job.cancelledAtMs < job.doneAtMs) {
    return { state: "BATCH_STATE_CANCELLED", finished: finishedAt(job, job.cancelledAtMs), sinceMs: job.cancelledAtMs };
  }
  if (job.doneAtMs > job.expireAtMs && t >= job.expireAtMs) {
    return { state: "BATCH_STATE_EXPIRED", finished: finishedAt(job, job.expireAtMs), sinceMs: job.expireAtMs };
  }
  if (t < job.startsAtMs) return { state: "BATCH_STATE_PENDING", finished: 0, sinceMs: job.createdAtMs };
  if (t < job.doneAtMs) return { state: "BATCH_STATE_RUNNING", finished: finishedAt(job, t), sinceMs: job.startsAtMs };
  // Assumption (no public statement found): a job fails as a whole only when none of its requests succeeded.
  const state = job.items.every((i) => i.error) ? "BATCH_STATE_FAILED" : "BATCH_STATE_SUCCEEDED";
  return { state, finished: job.items.length, sinceMs: job.doneAtMs };
}

/** Requests finish one after another at an even pace while the job runs. */
function finishedAt(job: BatchJob, t: number): number {
  if (t < job.startsAtMs) return 0;
  if (t >= job.doneAtMs) return job.items.length;
  return Math.floor((job.items.length * (t - job.startsAtMs)) / (job.doneAtMs - job.startsAtMs));
}

/** Whether the job reached a final state. */
export function isDone(state: BatchState): boolean {
  return state !== "BATCH_STATE_PENDING" && state !== "BATCH_STATE_RUNNING";
}

/** A batch id like the service's: lowercase letters and digits. */
export function newBatchId(): string {
  return randomBytes(12)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "0");
}

// Bounded: a long run creating jobs without deleting them must not grow the emulator without end.
const MAX_JOBS = 10_000;

/** The jobs of a running emulator, oldest first. */
export class BatchStore {
  private readonly jobs = new Map<string, BatchJob>();

  add(job: BatchJob): void {
    if (this.jobs.size >= MAX_JOBS) {
      const oldest = this.jobs.keys().next().value;
      if (oldest !== undefined) this.jobs.delete(oldest);
    }
    this.jobs.set(job.id, job);
  }

  get(id: string): BatchJob | undefined {
    return this.jobs.get(id);
  }

  delete(id: string): boolean {
    return this.jobs.delete(id);
  }

  /** Newest first, as the service lists operations. */
  list(): BatchJob[] {
    return [...this.jobs.values()].reverse();
  }

  clear(): void {
    this.jobs.clear();
  }
}
