import { writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// Loaded with `node --import`: registers the resolve hook before the bundle is imported.
// The working directory is the child's own, so it is the `cwd` the runner spawned it in.
const REGISTER_SOURCE = `import { register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
register("./resolve-hook.mjs", import.meta.url, {
  data: {
    base: pathToFileURL(join(process.cwd(), "/")).href,
    bundle: new URL("./script.mjs", import.meta.url).href,
  },
});
`;

// Only the bundle's own bare imports are redirected: a package importing its dependencies
// must keep resolving from its own location (nested node_modules).
const RESOLVE_HOOK_SOURCE = `let base;
let bundle;
export function initialize(data) {
  base = data.base;
  bundle = data.bundle;
}
export function resolve(specifier, context, nextResolve) {
  const bare = !/^(\\.{0,2}\\/|\\.{1,2}$|#|[a-zA-Z][a-zA-Z\\d+.-]*:)/.test(specifier);
  if (bare && context.parentURL === bundle) return nextResolve(specifier, { ...context, parentURL: base });
  return nextResolve(specifier, context);
}
`;

/**
 * Writes the module to pass to `node --import` next to `dir/script.mjs`. It registers an ESM
 * resolve hook that resolves the bundle's bare imports (`import pg from "pg"`) as if imported
 * from the working directory, although the bundle lives in a temp dir. Returns the URL to
 * pass to `node --import`.
 * The sources are strings, not files of this package, so this works from src and from dist.
 */
export async function writeBareImportHook(dir: string): Promise<string> {
  const register = join(dir, "register-hooks.mjs");
  await Promise.all([writeFile(register, REGISTER_SOURCE), writeFile(join(dir, "resolve-hook.mjs"), RESOLVE_HOOK_SOURCE)]);
  return pathToFileURL(register).href;
}

// `from "x"` and `import "x"` of static imports and re-exports, however they are spread over lines.
const STATIC_SPECIFIER = /\b(?:from|import)\s*["']([^"']+)["']/g;
const RELATIVE_OR_URL = /^(\.{0,2}\/|\.{1,2}$|#|[a-zA-Z][a-zA-Z\d+.-]*:)/;

/**
 * Whether the bundle needs the resolve hook: it imports a package (not a builtin, not a URL),
 * or has a dynamic `import(` whose specifier only shows at run time. Node runs module hooks
 * on a thread of their own, a V8 isolate per run, so bundles without packages go without.
 * Errs towards the hook: text that merely looks like an import (in a string) counts too.
 */
export function needsBareImportHook(code: string): boolean {
  if (/\bimport\s*\(/.test(code)) return true;
  for (const [, specifier] of code.matchAll(STATIC_SPECIFIER)) {
    if (!RELATIVE_OR_URL.test(specifier!) && !isBuiltin(specifier!)) return true;
  }
  return false;
}
