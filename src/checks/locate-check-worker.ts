import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

// Loaded in the check thread with `node --import` when it runs from source: strips the types
// of src/ files with the TypeScript compiler (isolatedModules makes that safe) and resolves
// their NodeNext `./x.js` imports to `./x.ts`.
const TS_LOADER_SOURCE = `import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
let ts;
export async function initialize(typescript) {
  ts = (await import(typescript)).default;
}
export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
    const source = new URL(specifier.slice(0, -3) + ".ts", context.parentURL);
    if (existsSync(source)) return { url: source.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
export async function load(url, context, nextLoad) {
  if (!url.endsWith(".ts")) return nextLoad(url, context);
  const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true };
  const { outputText } = ts.transpileModule(readFileSync(new URL(url), "utf8"), { fileName: fileURLToPath(url), compilerOptions });
  return { format: "module", source: outputText, shortCircuit: true };
}
`;

export interface CheckWorkerEntry {
  url: URL;
  /** Node options of the thread, when it needs its own. */
  execArgv?: string[];
}

/**
 * The check thread's module: `check-worker.js` beside this file when built (dist/). From
 * source (vitest runs src/), Node 20 cannot load TypeScript: the thread gets a loader first.
 */
export function locateCheckWorker(): CheckWorkerEntry {
  const built = new URL("./check-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return { url: built };
  const typescript = pathToFileURL(createRequire(import.meta.url).resolve("typescript")).href;
  const register = `import { register } from "node:module";\nregister(${JSON.stringify(dataUrl(TS_LOADER_SOURCE))}, { data: ${JSON.stringify(typescript)} });\n`;
  return { url: new URL("./check-worker.ts", import.meta.url), execArgv: ["--import", dataUrl(register)] };
}

function dataUrl(source: string): string {
  return `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`;
}
