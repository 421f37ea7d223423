import { posix } from "node:path";
import type { TypeScriptApi } from "./load-typescript.js";

/** Files beyond this many are left out of a type check (then reported as unresolved by TypeScript). */
export const TYPE_CHECK_FILE_LIMIT = 300;

const SOURCE_FOR: Record<string, string[]> = {
  ".js": [".ts", ".tsx", ".d.ts"],
  ".mjs": [".mts", ".d.mts"],
  ".cjs": [".cts", ".d.cts"],
  ".jsx": [".tsx"],
};
const EXTENSIONS = [".ts", ".tsx", ".d.ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];
const INDEX = ["/index.ts", "/index.tsx", "/index.d.ts", "/index.js"];

/**
 * Everything of the repository a type check of `start` needs, read through `read`
 * (repository-relative paths, `null` when missing): `start`, the files they import
 * relatively, including type-only imports the bundler never reads, and so on, up to
 * `limit` files. `known` holds files already read; they are not read again.
 */
export async function collectTypeCheckFiles(
  ts: TypeScriptApi,
  start: readonly string[],
  read: (path: string) => Promise<string | null>,
  known: ReadonlyMap<string, string> = new Map(),
  limit = TYPE_CHECK_FILE_LIMIT,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const tried = new Set<string>();
  const readOnce = async (path: string): Promise<string | null> => {
    if (files.has(path)) return files.get(path)!;
    if (tried.has(path)) return null;
    tried.add(path);
    const text = known.get(path) ?? (await read(path));
    if (text !== null) files.set(path, text);
    return text;
  };
  const queue = [...start];
  const processed = new Set<string>();
  while (queue.length > 0 && files.size < limit) {
    const path = queue.shift()!;
    if (processed.has(path)) continue;
    processed.add(path);
    const text = await readOnce(path);
    if (text === null || path.endsWith(".json")) continue;
    const info = ts.preProcessFile(text, true, true);
    const specifiers = [...info.importedFiles, ...info.referencedFiles].map((ref) => ref.fileName);
    for (const specifier of specifiers) {
      if (!specifier.startsWith("./") && !specifier.startsWith("../") && specifier !== "." && specifier !== "..") continue;
      const target = posix.normalize(posix.join(posix.dirname(path), specifier));
      if (target.startsWith("../") || target === "..") continue;
      for (const candidate of candidates(target)) {
        if (files.has(candidate) || (await readOnce(candidate)) !== null) {
          queue.push(candidate);
          break;
        }
      }
    }
  }
  return files;
}

/** Where TypeScript may find what `path` (an import without or with a JavaScript extension) names. */
function candidates(path: string): string[] {
  const extension = posix.extname(path);
  const sources = SOURCE_FOR[extension];
  if (sources !== undefined) {
    const stem = path.slice(0, -extension.length);
    return [...sources.map((e) => stem + e), path];
  }
  if (EXTENSIONS.includes(extension)) return [path];
  return [...EXTENSIONS.map((e) => path + e), ...INDEX.map((i) => path + i)];
}

/** `tsconfig.json` and the repository files it `extends` (relative paths), in order. */
export async function collectTsconfigChain(
  ts: TypeScriptApi,
  read: (path: string) => Promise<string | null>,
  path = "tsconfig.json",
  depth = 5,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let current: string | null = path;
  while (current !== null && files.size < depth) {
    const text = await read(current);
    if (text === null) break;
    files.set(current, text);
    const extendsValue = (ts.parseConfigFileTextToJson(current, text).config as { extends?: unknown } | undefined)?.extends;
    const next = typeof extendsValue === "string" ? extendsValue : Array.isArray(extendsValue) ? (extendsValue as unknown[])[0] : undefined;
    if (typeof next !== "string" || !(next.startsWith("./") || next.startsWith("../"))) break;
    const target = posix.normalize(posix.join(posix.dirname(current), next));
    current = target.startsWith("../") || files.has(target) ? null : target.endsWith(".json") ? target : `${target}.json`;
  }
  return files;
}
