import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * A `readFile` for `bundleScript` over a local directory (the CLI's working tree).
 * Returns null for missing files, directories, and anything that resolves outside `root`
 * (`../`, absolute paths, symlinks pointing out): a script may only bundle repository files,
 * as it does in the worker, which reads them at the merge commit.
 */
export function readLocalFile(root: string): (path: string) => Promise<string | null> {
  let realRoot: Promise<string> | undefined;
  return async (path) => {
    const base = await (realRoot ??= realpath(root));
    let real: string;
    try {
      real = await realpath(resolve(base, path));
    } catch {
      return null;
    }
    const inside = relative(base, real);
    if (inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return null;
    try {
      return await readFile(real, "utf8");
    } catch {
      return null;
    }
  };
}
