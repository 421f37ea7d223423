import type { Loader, OnResolveResult, Plugin } from "esbuild";
import { posix } from "node:path";

// esbuild namespace of repository files; keeps esbuild from ever touching the local disk.
const REPO_NAMESPACE = "repo";

const EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];
const INDEX_FILES = ["/index.ts", "/index.js"];
// TypeScript under NodeNext spells an import of `x.ts` as `x.js`.
const TS_SOURCE_FOR: Record<string, string> = { ".js": ".ts", ".mjs": ".mts", ".cjs": ".cts" };
const LOADERS: Record<string, Loader> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
  ".json": "json",
};

export interface RepoFiles {
  plugin: Plugin;
  /** The first error `readFile` threw: an I/O failure, not a problem with the script. */
  readFailure(): { error: unknown } | null;
}

/**
 * An esbuild plugin that takes every relative import from `readFile(repoRelativePosixPath)`
 * and leaves bare package imports and `node:` builtins external, to be resolved at run time.
 * Imports from files on disk (the SDK, see sdk-plugin.ts) are left to esbuild.
 */
export function repoFilesPlugin(readFile: (path: string) => Promise<string | null>): RepoFiles {
  // Resolution probes a file before esbuild loads it; read each path once (they may be API calls).
  const reads = new Map<string, Promise<string | null>>();
  let failure: { error: unknown } | null = null;
  const read = (path: string): Promise<string | null> => {
    let pending = reads.get(path);
    if (pending === undefined) {
      pending = readFile(path).catch((error: unknown) => {
        failure ??= { error };
        throw error;
      });
      reads.set(path, pending);
    }
    return pending;
  };

  const resolve = async (path: string, specifier: string): Promise<OnResolveResult> => {
    if (path === ".." || path.startsWith("../") || path.startsWith("/")) {
      return { errors: [{ text: `"${specifier}" points outside the repository` }] };
    }
    for (const candidate of candidates(path)) {
      if ((await read(candidate)) !== null) return { path: candidate, namespace: REPO_NAMESPACE };
    }
    const text = `Could not resolve "${specifier}": no such file in the repository (looked for ${path})`;
    return { errors: [{ text }] };
  };

  const plugin: Plugin = {
    name: "chorebot-repo-files",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return resolve(posix.normalize(args.path), args.path);
        // Imports of the SDK's own files, which come from the app on disk (see sdk-plugin.ts).
        if (args.namespace === "file") return undefined;
        if (args.path.startsWith("/")) {
          return { errors: [{ text: `"${args.path}" is an absolute path; import repository files relatively` }] };
        }
        if (!isRelative(args.path)) return { external: true };
        return resolve(posix.join(posix.dirname(args.importer), args.path), args.path);
      });
      build.onLoad({ filter: /.*/, namespace: REPO_NAMESPACE }, async (args) => {
        const loader = LOADERS[posix.extname(args.path)];
        if (loader === undefined) return { errors: [{ text: `Cannot bundle "${args.path}": unsupported file type` }] };
        return { contents: (await read(args.path)) ?? "", loader };
      });
    },
  };
  return { plugin, readFailure: () => failure };
}

/** Whether an esbuild file name (metafile, errors) is a repository file. */
export function isRepoFile(esbuildFile: string): boolean {
  return esbuildFile.startsWith(`${REPO_NAMESPACE}:`);
}

/** esbuild names files in a plugin namespace `namespace:path` (metafile, errors); users know the path. */
export function repoPath(esbuildFile: string): string {
  const prefix = `${REPO_NAMESPACE}:`;
  return esbuildFile.startsWith(prefix) ? esbuildFile.slice(prefix.length) : esbuildFile;
}

function isRelative(specifier: string): boolean {
  return specifier === "." || specifier === ".." || specifier.startsWith("./") || specifier.startsWith("../");
}

function candidates(path: string): string[] {
  const extension = posix.extname(path);
  const tsSource = TS_SOURCE_FOR[extension];
  return [
    path,
    ...(tsSource === undefined ? [] : [path.slice(0, -extension.length) + tsSource]),
    ...EXTENSIONS.map((e) => path + e),
    ...INDEX_FILES.map((i) => path + i),
  ];
}
