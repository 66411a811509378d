// Bundles each scenarios/*.ts into dist/<name>.js for k6 (and scenarios/bench/*.ts into dist/bench/): ESM,
// k6 modules left external, inline source maps.
// Fails (non-zero exit) on any esbuild error and on any import that would reach the network at run time.

import { build } from "esbuild";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL(".", import.meta.url));

/** esbuild plugin: k6 resolves http(s) imports itself at run time; we promise nothing is fetched, so refuse them. */
const rejectNetworkImports = {
  name: "reject-network-imports",
  setup(builder) {
    builder.onResolve({ filter: /^(https?:)?\/\// }, (args) => ({
      errors: [{ text: `network import "${args.path}" is not allowed: k6 would fetch it at run time; vendor the code into lib/` }],
    }));
  },
};

/** Sub-folders of scenarios/ whose top-level files are entries too, bundled to dist/<folder>/: the bench scripts. */
const ENTRY_SUBFOLDERS = ["bench"];

/** The top-level .ts files of a folder (modules they import live in sub-folders such as internal/). */
function entriesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts") && statSync(join(dir, name)).isFile())
    .map((name) => join(dir, name));
}

/**
 * Builds every scenario in `scenariosDir` into `outDir`, and the entries of its bench/ folder into
 * `outDir`/bench/. Returns one line per bundle; throws with esbuild's messages when a bundle fails.
 */
export async function buildScenarios({ scenariosDir = join(root, "scenarios"), outDir = join(root, "dist") } = {}) {
  const scenarioEntries = entriesIn(scenariosDir);
  if (scenarioEntries.length === 0) throw new Error(`no scenarios found in ${scenariosDir}`);
  const bundles = scenarioEntries.map((entry) => ({ entry, outfile: join(outDir, `${basename(entry, ".ts")}.js`) }));
  for (const folder of ENTRY_SUBFOLDERS) {
    for (const entry of entriesIn(join(scenariosDir, folder)))
      bundles.push({ entry, outfile: join(outDir, folder, `${basename(entry, ".ts")}.js`) });
  }
  const lines = [];
  for (const { entry, outfile } of bundles) {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: "esm",
      platform: "neutral",
      // k6's JavaScript runtime (Sobek) covers ES2020; newer syntax is lowered.
      target: "es2020",
      external: ["k6", "k6/*"],
      sourcemap: "inline",
      minify: false,
      logLevel: "silent",
      plugins: [rejectNetworkImports],
    });
    lines.push(`built ${relative(root, outfile)} (${(statSync(outfile).size / 1024).toFixed(1)} KiB) from ${relative(root, entry)}`);
  }
  return lines;
}

/** `--scenarios DIR` and `--out DIR` override the folders (the build test uses them on temporary copies). */
function folderArgs(argv) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { scenarios: { type: "string" }, out: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
    const options = {};
    if (values.scenarios !== undefined) options.scenariosDir = resolve(values.scenarios);
    if (values.out !== undefined) options.outDir = resolve(values.out);
    return options;
  } catch (error) {
    console.error(`build failed: ${error.message}; accepted: --scenarios DIR, --out DIR`);
    process.exit(2);
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    for (const line of await buildScenarios(folderArgs(process.argv.slice(2)))) console.log(line);
  } catch (error) {
    const messages = error?.errors?.length
      ? error.errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}${e.text}`)
      : [String(error?.message ?? error)];
    for (const message of messages) console.error(`build failed: ${message}`);
    process.exit(1);
  }
}
