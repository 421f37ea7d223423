import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InputFile } from "../stores/run-inputs.js";

/** The folders of runs under way in this process, removed at its exit if a run could not remove its own. */
const live = new Set<string>();
let exitHook = false;

export interface WrittenInputFiles {
  /** Each file input's path, by input name: what the script is given as the input's value. */
  paths: Record<string, string>;
  /** Removes the folder and everything in it; safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * Writes a run's uploaded files where its script can read them: one private folder per run
 * (mode 0700, from mkdtemp) in the OS temp folder, each file (mode 0600) under a name of
 * chorebot's making that keeps the upload's extension, so nothing a person uploads chooses
 * where it lands. The caller removes the folder once the run ends; a process that exits
 * first removes those left.
 */
export async function writeInputFiles(files: Record<string, InputFile>): Promise<WrittenInputFiles> {
  const entries = Object.entries(files);
  if (entries.length === 0) return { paths: {}, remove: async () => {} };
  if (!exitHook) {
    process.once("exit", () => {
      for (const dir of live) rmSync(dir, { recursive: true, force: true });
    });
    exitHook = true;
  }
  const dir = await mkdtemp(join(tmpdir(), "chorebot-inputs-"));
  live.add(dir);
  const remove = async () => {
    await rm(dir, { recursive: true, force: true });
    live.delete(dir);
  };
  try {
    const paths: Record<string, string> = {};
    for (const [i, [name, file]] of entries.entries()) {
      const path = join(dir, `${i + 1}-${safeName(file.filename)}`);
      await writeFile(path, file.bytes, { mode: 0o600, flag: "wx" });
      paths[name] = path;
    }
    return { paths, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The upload's name reduced to letters, digits, `.`, `_` and `-` (no folder, no leading dot), at most 100 characters. */
function safeName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  const safe = base
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[.]+/, "")
    .slice(-100);
  return safe === "" ? "upload" : safe;
}
