import { start } from "../../emulator/index.ts";
import { createServer } from "node:http";
const emu = await start({ profile: "zero-latency", port: 0 });
const fixed = JSON.stringify({ candidates: [{ content: { parts: [{ text: "x".repeat(800) }], role: "model" } }] });
const bare = createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(fixed); }); });
bare.listen(0, "127.0.0.1", () => console.log(emu.port, (bare.address() as any).port));
process.on("SIGINT", () => process.exit(0));
