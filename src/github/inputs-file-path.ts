import { posix } from "node:path";
import { isEntryScript } from "./entry-script.js";

/** What an inputs file's name ends with: `scripts/backfill.ts` takes its values from `scripts/backfill.inputs.yml`. */
export const INPUTS_FILE_SUFFIX = ".inputs.yml";

/** The inputs file beside an entry script: its path without the extension, then `.inputs.yml`. */
export function inputsFilePath(scriptPath: string): string {
  const extension = posix.extname(scriptPath);
  return `${scriptPath.slice(0, scriptPath.length - extension.length)}${INPUTS_FILE_SUFFIX}`;
}

/** Whether `path` is named like an inputs file under the scripts folder (whether or not a script goes with it). */
export function isInputsFile(path: string, scriptsDir: string): boolean {
  if (!path.endsWith(INPUTS_FILE_SUFFIX) || path.length === INPUTS_FILE_SUFFIX.length) return false;
  // Named as the inputs file of an entry script would be: same folder rules (no helpers, no tests).
  return isEntryScript(`${path.slice(0, -INPUTS_FILE_SUFFIX.length)}.ts`, scriptsDir);
}

/** Paths by their lower-case form, to find look-alikes of an inputs file (lookalikeInputsFiles) in one pass over a listing. */
export function indexByLowerCase(paths: Iterable<string>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const path of paths) index.set(path.toLowerCase(), [...(index.get(path.toLowerCase()) ?? []), path]);
  return index;
}

/**
 * The files named like `scriptPath`'s inputs file but not it (another case, or `.inputs.yaml`),
 * which chorebot never reads: beside the script they are values someone meant it to run with.
 */
export function lookalikeInputsFiles(index: ReadonlyMap<string, readonly string[]>, scriptPath: string): string[] {
  const exact = inputsFilePath(scriptPath);
  const stem = exact.slice(0, -INPUTS_FILE_SUFFIX.length).toLowerCase();
  const named = [`${stem}${INPUTS_FILE_SUFFIX}`, `${stem}.inputs.yaml`].flatMap((name) => index.get(name) ?? []);
  return named.filter((path) => path !== exact).sort();
}
