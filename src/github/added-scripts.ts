import { isEntryScript } from "./entry-script.js";

/**
 * The entry scripts present after a push and not before it, with their blobs: the scripts
 * the push added, found by comparing the scripts folder's trees (no cap on how many). A
 * script moved to another path inside the folder (same blob, old path gone) runs nothing twice.
 */
export function addedScripts(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, scriptsDir: string): { path: string; blob: string }[] {
  const gone = new Set([...before].filter(([path]) => !after.has(path) && isEntryScript(path, scriptsDir)).map(([, blob]) => blob));
  return [...after]
    .filter(([path, blob]) => !before.has(path) && isEntryScript(path, scriptsDir) && !gone.has(blob))
    .map(([path, blob]) => ({ path, blob }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
