import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

/** The import name of the script SDK. */
export const SDK_SPECIFIER = "chorebot";
// esbuild namespace of the synthetic entry that hands a script's module to the SDK runtime.
const WRAPPER_NAMESPACE = "chorebot-sdk-entry";
const WRAPPER_PATH = "run-script-module";

/** The SDK shipped with this app: `src/sdk` from source, `dist/sdk` when built. */
export interface SdkLocation {
  /** The SDK's entry (real path), what `import … from "chorebot"` loads. */
  entry: string;
  /** Its runtime (`runScriptModule`), beside the entry. */
  runtime: string;
  /** The app's root (`src/..` or `dist/..`): SDK files are named relative to it in bundles. */
  root: string;
}

/**
 * Finds the SDK next to this module (`../sdk/index.ts` from source, `../sdk/index.js` when
 * built), on the real file system, so the built app needs nothing else installed.
 * Null when this installation has none.
 */
export function locateSdk(): SdkLocation | null {
  for (const extension of [".ts", ".js"]) {
    const candidate = fileURLToPath(new URL(`../sdk/index${extension}`, import.meta.url));
    if (!existsSync(candidate)) continue;
    // esbuild resolves the SDK's own imports to real paths; the entry must match, or it is bundled twice.
    const entry = realpathSync(candidate);
    const dir = dirname(entry);
    return { entry, runtime: join(dir, `runtime${extension}`), root: dirname(dirname(dir)) };
  }
  return null;
}

/** The entry point to bundle instead of the script when the script is to run through the SDK. */
export const SDK_WRAPPER_ENTRY = `${WRAPPER_NAMESPACE}:${WRAPPER_PATH}`;

/**
 * Resolves `chorebot` to the SDK's entry on disk (not through the repository, never external),
 * and provides {@link SDK_WRAPPER_ENTRY}: a module that imports the script `entry` and runs it
 * with the SDK runtime. Must come before the repository plugin, which leaves every other bare
 * specifier external. The SDK's own imports are left to esbuild (on disk, `file` namespace).
 */
export function sdkPlugin(sdk: SdkLocation | null, entry: string): Plugin {
  return {
    name: "chorebot-sdk",
    setup(build) {
      build.onResolve({ filter: /^chorebot(\/|$)/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        if (args.path !== SDK_SPECIFIER) {
          return { errors: [{ text: `"${args.path}": import the chorebot SDK as "${SDK_SPECIFIER}", it has no subpaths` }] };
        }
        if (sdk === null) return { errors: [{ text: `"${SDK_SPECIFIER}": this chorebot installation has no script SDK` }] };
        return { path: sdk.entry };
      });
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point" && args.path === SDK_WRAPPER_ENTRY) {
          return { path: WRAPPER_PATH, namespace: WRAPPER_NAMESPACE };
        }
        if (args.namespace === WRAPPER_NAMESPACE && sdk !== null && args.path === sdk.runtime) return { path: sdk.runtime };
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: WRAPPER_NAMESPACE }, () => {
        if (sdk === null) return { errors: [{ text: "this chorebot installation has no script SDK" }] };
        // The wrapper sits at the repository root, so the repository plugin resolves the
        // relative entry like any repository import.
        const contents = [
          `import * as script from ${JSON.stringify(`./${entry}`)};`,
          `import { runScriptModule } from ${JSON.stringify(sdk.runtime)};`,
          "await runScriptModule(script);",
        ].join("\n");
        return { contents, loader: "js" };
      });
    },
  };
}
