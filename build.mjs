// Bundles each scenarios/*.ts into dist/<name>.js for k6: ESM, k6 modules left external, inline source maps.
// Fails (non-zero exit) on any esbuild error and on any import that would reach the network at run time.

import { build } from "esbuild";
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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

/**
 * Builds every scenario in `scenariosDir` into `outDir`. Returns one line per bundle; throws with
 * esbuild's messages when a bundle fails.
 */
export async function buildScenarios({ scenariosDir = join(root, "scenarios"), outDir = join(root, "dist") } = {}) {
  const entries = readdirSync(scenariosDir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => join(scenariosDir, name));
  if (entries.length === 0) throw new Error(`no scenarios found in ${scenariosDir}`);
  const lines = [];
  for (const entry of entries) {
    const outfile = join(outDir, `${basename(entry, ".ts")}.js`);
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
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined || (flag !== "--scenarios" && flag !== "--out")) {
      console.error(`build failed: unknown argument ${flag}; accepted: --scenarios DIR, --out DIR`);
      process.exit(2);
    }
    options[flag === "--scenarios" ? "scenariosDir" : "outDir"] = resolve(value);
  }
  return options;
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
