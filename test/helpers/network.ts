// Addresses for tests that need a "remote" API: our own emulator, reached through an address of this
// machine that is not loopback, so the suite treats it as the real service (key and budget required).

import { networkInterfaces } from "node:os";

/** An IPv4 address of this machine that is not loopback. */
export function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  throw new Error("this machine has no non-loopback IPv4 address to stand in for a remote API");
}
