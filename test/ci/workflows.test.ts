// The CI workflows users copy: .github/workflows/ pass actionlint (built at its pinned version), and
// the GitLab example parses; both run only npm scripts that exist, gate on thresholds (and nightly on
// a baseline with compare --fail-on), and keep results and JUnit where the kit writes them.

import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { REPO_ROOT } from "../../tools/paths.ts";
import { ensureActionlint } from "../../tools/setup/actionlint.ts";
import { runCaptured } from "../helpers/exec.ts";
import { cleanEnv } from "../helpers/k6.ts";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const GITLAB = path.join(REPO_ROOT, "docs", "ci", "gitlab-ci.yml");

async function workflowFiles(): Promise<string[]> {
  return (await readdir(WORKFLOWS)).filter((name) => /\.ya?ml$/.test(name)).map((name) => path.join(WORKFLOWS, name));
}

async function actionlint(files: string[]) {
  const bin = await ensureActionlint({ log: () => {} });
  return runCaptured(bin, ["-no-color", ...files], { cwd: REPO_ROOT, env: cleanEnv(), timeoutMs: 120_000 });
}

/** A GitHub expression as the workflows write it, `${{ inner }}` (built, so it is not mistaken for a template). */
const expr = (inner: string) => `$${"{{"} ${inner} }}`;

/** Every `npm run <name>` in a text. */
function npmScripts(text: string): string[] {
  return [...text.matchAll(/\bnpm run ([a-z0-9:-]+)/g)].map((match) => match[1] as string);
}

async function packageScripts(): Promise<Set<string>> {
  return new Set(Object.keys(JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")).scripts));
}

test("the GitHub workflows pass actionlint", async () => {
  const files = await workflowFiles();
  assert.ok(files.length >= 2, "a smoke and a nightly workflow");
  const lint = await actionlint(files);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
});

test("actionlint catches a broken workflow, so its pass means something", async () => {
  const work = await mkdtemp(path.join(tmpdir(), "gemini-k6-actionlint-"));
  try {
    const smoke = await readFile(path.join(WORKFLOWS, "smoke.yml"), "utf8");
    const broken = path.join(work, "broken.yml");
    await writeFile(
      broken,
      smoke.replace("runs-on: ubuntu-24.04", "run-on: ubuntu-24.04").replace(expr("github.run_id"), expr("github.run_idd")),
    );
    const lint = await actionlint([broken]);
    assert.equal(lint.code, 1);
    assert.match(lint.stdout, /run-on/);
    assert.match(lint.stdout, /run_idd/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test("the workflows run the smoke test on every push and a nightly load test gated by thresholds and a baseline", async () => {
  const scripts = await packageScripts();
  const smokeText = await readFile(path.join(WORKFLOWS, "smoke.yml"), "utf8");
  const nightlyText = await readFile(path.join(WORKFLOWS, "nightly.yml"), "utf8");
  for (const name of [...npmScripts(smokeText), ...npmScripts(nightlyText)])
    assert.ok(scripts.has(name), `npm run ${name} is not a script`);

  const smoke = parse(smokeText);
  assert.ok("push" in smoke.on);
  const smokeSteps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> = smoke.jobs.smoke.steps;
  assert.ok(smokeSteps.some((step) => step.run === "npm run load -- --shape smoke"));

  const nightly = parse(nightlyText);
  assert.ok(Array.isArray(nightly.on.schedule));
  const steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> = nightly.jobs.load.steps;
  assert.ok(steps.some((step) => /npm run compare -- .* --fail-on "\$FAIL_ON"/.test(step.run ?? "")));
  for (const job of [smokeSteps, steps]) {
    assert.ok(
      job.some((step) => step.uses?.startsWith("actions/upload-artifact@") && step.with?.path === `results/${expr("env.GEMINI_RUN_ID")}/`),
    );
    assert.ok(job.some((step) => step.with?.report_paths === `results/${expr("env.GEMINI_RUN_ID")}/junit.xml`));
  }
});

test("the GitLab example parses, its jobs run existing npm scripts, and it reports JUnit and keeps results", async () => {
  const text = await readFile(GITLAB, "utf8");
  const pipeline = parse(text);
  const scripts = await packageScripts();
  for (const name of npmScripts(text)) assert.ok(scripts.has(name), `npm run ${name} is not a script`);
  const reserved = new Set([
    "stages",
    "default",
    "variables",
    "include",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
  ]);
  const jobs = Object.entries(pipeline).filter(([name]) => !reserved.has(name) && !name.startsWith("."));
  assert.deepEqual(
    jobs.map(([name]) => name),
    ["smoke", "nightly-load"],
  );
  for (const [name, job] of jobs as Array<[string, Record<string, unknown>]>) {
    assert.ok(pipeline.stages.includes(job.stage), `${name}: stage ${job.stage} is not in stages`);
    assert.ok(Array.isArray(job.script) && job.script.length > 0, `${name}: no script`);
    assert.ok(Array.isArray(job.rules), `${name}: no rules`);
    const artifacts = job.artifacts as { when: string; paths: string[]; reports: { junit: string } };
    assert.equal(artifacts.when, "always");
    assert.deepEqual(artifacts.paths, ["results/$GEMINI_RUN_ID/"]);
    assert.equal(artifacts.reports.junit, "results/$GEMINI_RUN_ID/junit.xml");
  }
  const nightly = pipeline["nightly-load"];
  assert.match(JSON.stringify(nightly.rules), /\$CI_PIPELINE_SOURCE == \\"schedule\\"/);
  assert.ok(nightly.script.some((line: string) => /npm run compare -- .* --fail-on "\$FAIL_ON"/.test(line)));
});
