// The repository's import graph from its sources (relative imports only: packages and node: builtins
// cannot import us back), and the cycles in it, for test/build/import-cycles.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".git", ".tools", "results"]);

/** Every .ts and .mjs file under `root`, outside node_modules, dist and other generated folders. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(path.join(dir, entry.name));
      } else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        files.push(path.join(dir, entry.name));
      }
    }
  };
  walk(root);
  return files.sort();
}

// `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")`, type-only ones included.
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

/** The files `file` imports by relative path, resolved to absolute paths (comments are not read). */
export function relativeImports(file: string, text: string = readFileSync(file, "utf8")): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found = new Set<string>();
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? "";
    if (specifier.startsWith("./") || specifier.startsWith("../")) found.add(path.resolve(path.dirname(file), specifier));
  }
  return [...found];
}

/** The import graph of `files`: file → the files it imports (only those in the list). */
export function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((file) => [file, relativeImports(file).filter((target) => known.has(target))]));
}

/** One cycle per strongly connected group of files, each as a path `a → b → … → a`; empty when there is none. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "active");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const seen = state.get(next);
      if (seen === "active") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}
