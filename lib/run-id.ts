// Run ids name the results folder and tag every metric (`testid`): UTC time plus 4 hex digits, e.g. 20261126-010203-a1b2.

/** A new run id for `date`; `random` is injectable for tests. */
export function newRunId(date: Date, random: () => number = Math.random): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
  return `${day}-${time}-${suffix}`;
}
