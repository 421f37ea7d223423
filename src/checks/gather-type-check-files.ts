import { posix } from "node:path";
import type { RepoEntry } from "../github/read-file-at-commit.js";
import { collectTsconfigChain, collectTypeCheckFiles } from "./collect-type-check-files.js";
import { loadTypeScript } from "./load-typescript.js";

export interface ScriptsToTypeCheck {
  /** Each script that bundled, with the repository files of its bundle. */
  scripts: { path: string; files: string[] }[];
  /** Files already read (repository path → text): not read again. */
  known: Map<string, string>;
}

export interface TypeCheckFiles {
  /** What the type check reads: tsconfig.json (and what it extends), package.json files, the scripts and what they import. */
  files: Map<string, string>;
  /** For each script, in order, the files that are its own (its errors are in them). */
  ownFiles: string[][];
}

/**
 * Everything one type check of the scripts needs, read through `read`. Null when TypeScript
 * is not installed on this server. Runs in the check thread: it scans the pull request's code.
 */
export async function gatherTypeCheckFiles(input: ScriptsToTypeCheck, read: (path: string) => Promise<RepoEntry>): Promise<TypeCheckFiles | null> {
  const ts = await loadTypeScript();
  if (ts === null) return null;
  const texts = new Map(input.known);
  const readText = async (path: string): Promise<string | null> => {
    const entry = await read(path);
    if (entry.kind !== "file") return null;
    texts.set(path, entry.text);
    return entry.text;
  };
  const configFiles = await collectTsconfigChain(ts, readText);
  const packageFiles = await collectTypeCheckFiles(ts, packageJsons(input.scripts.map((s) => s.path)), readText, texts);
  const files = new Map([...configFiles, ...packageFiles]);
  const ownFiles: string[][] = [];
  for (const script of input.scripts) {
    const own = await collectTypeCheckFiles(ts, [script.path, ...script.files], readText, texts);
    ownFiles.push([...own.keys()]);
    for (const [path, text] of own) files.set(path, text);
  }
  return { files, ownFiles };
}

/** package.json files TypeScript reads to tell ES modules from CommonJS: the root and each script's folder. */
function packageJsons(entries: readonly string[]): string[] {
  const dirs = new Set(["", ...entries.map((entry) => posix.dirname(entry))]);
  return [...dirs].map((dir) => (dir === "" || dir === "." ? "package.json" : `${dir}/package.json`));
}
