// Test-only preload for an emulator child process started with --expose-gc: on SIGUSR2 it runs a
// full garbage collection and says so on stderr, so a test can read memory without transient garbage.

process.on("SIGUSR2", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  process.stderr.write(gc ? "gc-on-signal: done\n" : "gc-on-signal: unavailable (start node with --expose-gc)\n");
});
