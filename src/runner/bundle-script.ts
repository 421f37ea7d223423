import { build, type BuildFailure, type BuildOptions, type Message, type Metafile, type OutputFile } from "esbuild";
import { describeBundleErrors, type BundleError } from "./bundle-errors.js";
import { inlineSourceMap } from "./bundle-source-map.js";
import { isRepoFile, repoFilesPlugin, repoPath } from "./repo-files-plugin.js";
import { locateSdk, sdkPlugin, SDK_WRAPPER_ENTRY } from "./sdk-plugin.js";

export type { BundleError } from "./bundle-errors.js";

export type BundleResult =
  | {
      ok: true;
      code: string;
      /** The repository files in the bundle, in evaluation order (not the SDK's files). */
      files: string[];
      /** Bare package and builtin specifiers the repository files leave to run time (`pg`, `node:fs`), sorted, unique. */
      externals: string[];
      /**
       * The script imports `chorebot`: the bundle includes the SDK and runs the script's module
       * through the SDK runtime (a `defineScript` default export runs with its inputs).
       */
      usesSdk: boolean;
    }
  | { ok: false; message: string; errors: BundleError[] };

// The bundle runs from a temp dir; `require` of packages must resolve from the working
// directory, like the ESM resolve hook does for `import` (see run-script.ts).
const BANNER = [
  'import { createRequire as __chorebotCreateRequire } from "node:module";',
  'const require = __chorebotCreateRequire(process.cwd() + "/");',
].join("\n");
// Marks a bundle that runs through the SDK runtime: only such a bundle may be run to
// describe itself (see describe-script.ts). A script cannot forge it, the banner comes first.
const SDK_BANNER = `${BANNER}\n// chorebot: this script runs through the chorebot SDK runtime`;

/** Whether `code` is a bundle of an SDK script (`usesSdk`), which reads CHOREBOT_DESCRIBE and CHOREBOT_INPUTS. */
export function isSdkBundle(code: string): boolean {
  return code.startsWith(`${SDK_BANNER}\n`);
}

/**
 * Bundles the entry script and the repository files it imports into one ES module.
 * `chorebot` resolves to the SDK shipped with this app, which is bundled in too; the entry
 * of such a script is then wrapped so that the SDK runtime runs its default export.
 * esbuild's service process stays up between calls, so only the first bundle pays its start.
 * Script errors (syntax, unresolved imports) resolve as `ok: false`; a failing `readFile`
 * rejects, because that is an I/O problem worth retrying, not a broken script.
 */
export async function bundleScript(o: { entry: string; readFile: (path: string) => Promise<string | null> }): Promise<BundleResult> {
  // One repository plugin for both builds: every file is read once.
  const repo = repoFilesPlugin(o.readFile);
  const sdk = locateSdk();
  const options: BuildOptions & { write: false; metafile: true } = {
    entryPoints: [o.entry],
    plugins: [sdkPlugin(sdk, o.entry), repo.plugin],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: false,
    // Stack traces name the script's own lines (`at run (repo:scripts/x.ts:12:9)`; the runner
    // runs node with --enable-source-maps). The map is inlined into the code, so the stored
    // bundle carries it, and keeps no sources' text and no mappings of the SDK (see
    // bundle-source-map.ts). Packages are never bundled: they cannot bloat it.
    sourcemap: "external",
    sourcesContent: false,
    // Names the map in outputFiles; nothing is written.
    outfile: "script.mjs",
    legalComments: "none",
    banner: { js: BANNER },
    logLevel: "silent",
    // SDK files are named relative to the app's root in the bundle (`// src/sdk/index.ts`),
    // the same on every replica wherever the app is installed. Repository files never are.
    ...(sdk === null ? {} : { absWorkingDir: sdk.root }),
  };
  try {
    let result = await build(options);
    const inputs = result.metafile.inputs;
    // Any file not from the repository is the SDK's.
    const usesSdk = Object.keys(inputs).some((file) => !isRepoFile(file));
    if (usesSdk) result = await build({ ...options, entryPoints: [SDK_WRAPPER_ENTRY], banner: { js: SDK_BANNER } });
    const code = withSourceMap(result.outputFiles);
    return { ok: true, code, ...repoFiles(inputs), usesSdk };
  } catch (error) {
    const failure = repo.readFailure();
    if (failure !== null) throw failure.error;
    if (!isBuildFailure(error)) throw error;
    return { ok: false, ...describeBundleErrors(error.errors) };
  }
}

/** What the repository contributes: its files in evaluation order and their external imports. */
function repoFiles(inputs: Metafile["inputs"]): { files: string[]; externals: string[] } {
  // The metafile lists inputs in evaluation order (dependencies first), deterministically.
  const repoInputs = Object.entries(inputs).filter(([file]) => isRepoFile(file));
  const externals = new Set(repoInputs.flatMap(([, input]) => input.imports.filter((i) => i.external).map((i) => i.path)));
  return { files: repoInputs.map(([file]) => repoPath(file)), externals: [...externals].sort() };
}

/** The bundle's code with its source map, cut to the repository's files, inlined at its end. */
function withSourceMap(outputFiles: readonly OutputFile[]): string {
  const code = outputFiles.find((f) => !f.path.endsWith(".map"))?.text ?? "";
  const map = outputFiles.find((f) => f.path.endsWith(".map"));
  const comment = map === undefined ? null : inlineSourceMap(map.text, isRepoFile);
  return comment === null ? code : `${code}${comment}\n`;
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as { errors?: Message[] }).errors);
}
