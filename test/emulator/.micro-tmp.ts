import { readFileSync } from "node:fs";
import { planContent } from "../../emulator/src/content.ts";
import { checkShape, checkGenerateRequest, parseJsonBody } from "../../emulator/src/validate.ts";
import { fullResponse, newResponseId } from "../../emulator/src/response.ts";
import { BUILTIN_MODELS } from "../../emulator/src/models.ts";
import { PROFILES } from "../../emulator/src/profiles.ts";
const raw = readFileSync("/tmp/body.json", "utf8");
const raw2 = raw.replace("Classify the following text.", "Tell me about");
const model = BUILTIN_MODELS[0]!;
const cfg = PROFILES["zero-latency"]!();
const settings = cfg.models["gemini-2.5-flash"]!;
function time(name: string, f: () => void) { for (let i = 0; i < 2000; i++) f(); const t = performance.now(); const N = 20000; for (let i = 0; i < N; i++) f(); console.log(name, ((performance.now() - t) / N * 1000).toFixed(1), "µs"); }
for (const r of [raw, raw2]) {
const body = JSON.parse(r);
time("parse", () => parseJsonBody(r));
time("shape", () => checkShape(body, "GenerateContentRequest"));
time("semantic", () => checkGenerateRequest(body, model));
time("plan", () => planContent({ request: body, rawBody: r, model, settings, seed: 1, promptBlockTerms: ["A"], responseBlockTerms: ["B"] }));
const plan = planContent({ request: body, rawBody: r, model, settings, seed: 1, promptBlockTerms: ["A"], responseBlockTerms: ["B"] });
time("full+stringify", () => JSON.stringify(fullResponse(plan, model, "id"), null, 2));
time("id", () => newResponseId());
}
