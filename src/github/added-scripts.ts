import { changedScripts, type ChangedFile } from "./changed-scripts.js";
import { isEntryScript } from "./entry-script.js";

/**
 * The entry scripts a push runs, with their blobs, in path order: found by comparing the
 * scripts folder's trees before and after it (no cap on how many), then judged by
 * changedScripts like a pull request's files. A script moved to another path inside the
 * folder (same blob, old path gone) runs nothing twice.
 */
export function addedScripts(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, scriptsDir: string): { path: string; blob: string }[] {
  return changedScripts(newPaths(before, after, scriptsDir), scriptsDir)
    .filter((script) => script.runs)
    .map(({ file }) => ({ path: file.filename, blob: file.blob }));
}

/**
 * The paths present after and not before, as GitHub lists a change's files: `renamed` from a
 * path gone with the same blob (git's exact rename), else `added`. Among several such paths
 * an entry script's is taken, so a moved script is never taken for a new one.
 */
function newPaths(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, scriptsDir: string): (ChangedFile & { blob: string })[] {
  const gone = new Map<string, string>();
  for (const [path, blob] of before) {
    if (after.has(path)) continue;
    if (!gone.has(blob) || isEntryScript(path, scriptsDir)) gone.set(blob, path);
  }
  return [...after]
    .filter(([path]) => !before.has(path))
    .map(([path, blob]) => {
      const previous = gone.get(blob);
      return previous === undefined ? { filename: path, status: "added", blob } : { filename: path, status: "renamed", previous_filename: previous, blob };
    });
}
