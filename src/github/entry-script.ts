import { posix } from "node:path";

const ENTRY_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];

/**
 * Whether `path` is a script chorebot runs: a .ts/.mts/.js/.mjs file under the scripts folder
 * (run on merge) or, given the chores folder, under it (a chore, run on demand) that is not a
 * test, not a declaration file and not a helper (any path segment starting with `_` marks a
 * helper that entry scripts import).
 */
export function isEntryScript(path: string, scriptsDir = "scripts"): boolean {
  const prefix = scriptsFolderPrefix(scriptsDir);
  if (!path.startsWith(prefix)) return false;
  const inside = path.slice(prefix.length).split("/");
  if (inside.some((segment) => segment.startsWith("_") || segment === "" || segment === "..")) return false;
  const name = inside.at(-1)!;
  if (name.endsWith(".d.ts") || /\.test\./.test(name)) return false;
  return ENTRY_EXTENSIONS.includes(posix.extname(name));
}

/** What every path inside the scripts folder starts with: the folder and one `/`. */
export function scriptsFolderPrefix(scriptsDir: string): string {
  return `${scriptsDir.replace(/\/+$/, "")}/`;
}
