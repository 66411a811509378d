// k6's own memory while it runs, sampled from /proc (Linux): a script cannot see its k6 process's
// memory, so the run tool records it in run.json, where a soak's drift shows.

import { readFileSync } from "node:fs";

/** One reading: seconds since sampling began and the resident set size in MB. */
export interface MemorySample {
  atSeconds: number;
  rssMb: number;
}

/** What run.json `k6Memory` holds. */
export interface MemoryRecord {
  peakRssMb: number;
  samples: MemorySample[];
}

/** The resident set size of `pid` in MB, or undefined where /proc is not there (not Linux) or the process has gone. */
export function readRssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `pid`'s memory now and every `everyMs` until stopped; `stop()` returns the readings, or
 * undefined when none could be taken.
 */
export function sampleMemory(pid: number, everyMs: number): { stop(): MemoryRecord | undefined } {
  const started = Date.now();
  const samples: MemorySample[] = [];
  const read = (): void => {
    const rssMb = readRssMb(pid);
    if (rssMb !== undefined) samples.push({ atSeconds: Math.round((Date.now() - started) / 100) / 10, rssMb });
  };
  read();
  const timer = setInterval(read, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (samples.length === 0) return undefined;
      return { peakRssMb: Math.max(...samples.map((sample) => sample.rssMb)), samples };
    },
  };
}
