// Addresses for tests that need a "remote" API: our own emulator, reached through an address of this
// machine that is not loopback, so the suite treats it as the real service (key and budget required).

import { networkInterfaces } from "node:os";
import { start } from "../../emulator/index.ts";

/** An IPv4 address of this machine that is not loopback. */
function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  throw new Error("this machine has no non-loopback IPv4 address to stand in for a remote API");
}

/** The emulator on every interface, and the two ways to reach it. */
export interface RemoteEmulator {
  port: number;
  /** For the test's own admin calls. */
  loopbackUrl: string;
  /** For the run under test: not loopback, so it needs a key and a budget. */
  remoteUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the emulator listening on every interface, so a test can prove what reached the "remote"
 * service — or that nothing did: had a request been sent, the emulator would have counted it.
 */
export async function startRemoteEmulator(): Promise<RemoteEmulator> {
  const emulator = await start({ port: 0, host: "0.0.0.0", profile: "fast" });
  return {
    port: emulator.port,
    loopbackUrl: `http://127.0.0.1:${emulator.port}`,
    remoteUrl: `http://${nonLoopbackAddress()}:${emulator.port}`,
    close: () => emulator.close(),
  };
}
