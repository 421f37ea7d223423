import { isBuiltin, createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { resolve } from "import-meta-resolve";

/**
 * The bare imports a script cannot resolve where it runs. The bundle leaves packages
 * external; at run time they resolve from SCRIPT_CWD (ESM `import`, or `require` through
 * the bundle's banner), so a package the pull request expects but the server lacks fails
 * only after merge. Builtins (`fs`, `node:fs`) always resolve.
 */
export function findMissingPackages(specifiers: readonly string[], scriptCwd: string): string[] {
  const base = pathToFileURL(join(scriptCwd, "/")).href;
  const require = createRequire(join(scriptCwd, "/"));
  return specifiers.filter((specifier) => {
    if (isBuiltin(specifier)) return false;
    try {
      resolve(specifier, base);
      return false;
    } catch {
      // A CommonJS-only export map may still be loadable by `require`.
    }
    try {
      require.resolve(specifier);
      return false;
    } catch {
      return true;
    }
  });
}

/** The package a specifier names: `pg/lib/x` → `pg`, `@scope/x/y` → `@scope/x`. */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/** 1-based lines of `text` where `specifier` is imported, required or re-exported. */
export function importLines(text: string, specifier: string): number[] {
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*|\\brequire\\s*\\(\\s*)(["'])${quoted}\\1`);
  return text.split("\n").flatMap((line, index) => (pattern.test(line) ? [index + 1] : []));
}
