import { resolve } from "node:path";

// Node's words for a package it cannot find: ESM ("Cannot find package 'pg' imported from
// /srv/app/") and CommonJS through the bundle's require ("Cannot find module 'pg'\nRequire
// stack:\n- /srv/app/").
const ESM = /^Error(?: \[ERR_MODULE_NOT_FOUND\])?: Cannot find package '([^']+)' imported from (.+)$/m;
const CJS = /^Error: Cannot find module '([^'./][^']*)'\s*\nRequire stack:\s*\n- (.+)$/m;

/**
 * The script's uncaught error (uncaught-error-hook.ts), said so that a person can act on it
 * when it is a package the script imports that Node cannot find from the working directory:
 * where it was looked up (SCRIPT_CWD) and the three ways to fix it. Any other error, and a
 * package missing for one of the app's own packages (imported from inside node_modules), is
 * returned as it is.
 */
export function explainMissingPackage(error: string, cwd: string): string {
  const found = ESM.exec(error) ?? CJS.exec(error);
  if (found === null) return error;
  const [, specifier, importer] = found;
  if (importer!.includes("/node_modules/")) return error;
  const name = packageName(specifier!);
  return (
    `Error: Cannot find package '${name}': packages are looked up from SCRIPT_CWD=${resolve(cwd)} (the production app's folder); ` +
    `run from the app's folder, set SCRIPT_CWD to it, or \`npm install ${name}\` there`
  );
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}
