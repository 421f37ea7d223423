import { build, type BuildFailure, type Message } from "esbuild";
import { describeBundleErrors, type BundleError } from "./bundle-errors.js";
import { repoFilesPlugin, repoPath } from "./repo-files-plugin.js";

export type { BundleError } from "./bundle-errors.js";

export type BundleResult =
  | {
      ok: true;
      code: string;
      files: string[];
      /** Bare package and builtin specifiers the bundle leaves to run time (`pg`, `node:fs`), sorted, unique. */
      externals: string[];
    }
  | { ok: false; message: string; errors: BundleError[] };

// The bundle runs from a temp dir; `require` of packages must resolve from the working
// directory, like the ESM resolve hook does for `import` (see run-script.ts).
const BANNER = [
  'import { createRequire as __chorebotCreateRequire } from "node:module";',
  'const require = __chorebotCreateRequire(process.cwd() + "/");',
].join("\n");

/**
 * Bundles the entry script and the repository files it imports into one ES module.
 * esbuild's service process stays up between calls, so only the first bundle pays its start.
 * Script errors (syntax, unresolved imports) resolve as `ok: false`; a failing `readFile`
 * rejects, because that is an I/O problem worth retrying, not a broken script.
 */
export async function bundleScript(o: {
  entry: string;
  readFile: (path: string) => Promise<string | null>;
}): Promise<BundleResult> {
  const repo = repoFilesPlugin(o.readFile);
  try {
    const result = await build({
      entryPoints: [o.entry],
      plugins: [repo.plugin],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      target: "node20",
      format: "esm",
      minify: false,
      sourcemap: false,
      legalComments: "none",
      banner: { js: BANNER },
      logLevel: "silent",
    });
    const code = result.outputFiles[0]?.text ?? "";
    // The metafile lists inputs in evaluation order (dependencies first), deterministically.
    const inputs = Object.values(result.metafile.inputs);
    const externals = [...new Set(inputs.flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path)))].sort();
    return { ok: true, code, files: Object.keys(result.metafile.inputs).map(repoPath), externals };
  } catch (error) {
    const failure = repo.readFailure();
    if (failure !== null) throw failure.error;
    if (!isBuildFailure(error)) throw error;
    return { ok: false, ...describeBundleErrors(error.errors) };
  }
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as { errors?: Message[] }).errors);
}
