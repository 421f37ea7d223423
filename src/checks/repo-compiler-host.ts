import { statSync } from "node:fs";
import { dirname, isAbsolute, posix, relative } from "node:path";
import type * as TypeScript from "typescript";
import { locateSdk } from "../runner/sdk-plugin.js";
import type { TypeScriptApi } from "./load-typescript.js";

// Lib and package declaration files are large and change only when the server's install
// does: parse each once per process (keyed by mtime and parse options).
const realSourceFiles = new Map<string, TypeScript.SourceFile>();
const REAL_SOURCE_FILES_LIMIT = 2000;

/**
 * A CompilerHost over a virtual repository rooted at `root` (the scripts' working directory,
 * so package lookups walk up into `root/node_modules` exactly as at run time).
 * Repository files come only from `files` (repository-relative path → text): a path inside
 * `root` that is not in `files` does not exist, whatever is on this server's disk. Paths in
 * a `node_modules` folder and TypeScript's own lib files come from the real file system.
 */
export function repoCompilerHost(
  ts: TypeScriptApi,
  options: TypeScript.CompilerOptions,
  root: string,
  files: ReadonlyMap<string, string>,
): TypeScript.CompilerHost {
  const virtual = new Map<string, string>();
  const virtualDirs = new Set<string>([root]);
  for (const [path, text] of files) {
    const absolute = posix.join(root, path);
    virtual.set(absolute, text);
    for (let dir = posix.dirname(absolute); dir.length > root.length; dir = posix.dirname(dir)) virtualDirs.add(dir);
  }
  const libDir = dirname(ts.getDefaultLibFilePath(options));
  // The SDK scripts import as "chorebot" ships with this app, not with production.
  const sdk = locateSdk();
  const sdkDir = sdk ? dirname(sdk.entry) : null;
  const isReal = (file: string): boolean => {
    if (file.startsWith(`${libDir}/`)) return true;
    if (sdkDir && (file === sdkDir || file.startsWith(`${sdkDir}/`))) return true;
    const inside = relative(root, file);
    const path = inside.startsWith("..") || isAbsolute(inside) ? file : inside;
    return path.split(/[\\/]/).includes("node_modules");
  };
  const fileExists = (file: string): boolean => (isReal(file) ? ts.sys.fileExists(file) : virtual.has(file));
  const readFile = (file: string): string | undefined => (isReal(file) ? ts.sys.readFile(file) : virtual.get(file));

  return {
    fileExists,
    readFile,
    directoryExists: (dir) => (isReal(dir) ? ts.sys.directoryExists(dir) : virtualDirs.has(dir.replace(/\/+$/, ""))),
    getDirectories: (dir) => (isReal(dir) ? ts.sys.getDirectories(dir) : []),
    realpath: (file) => (isReal(file) && ts.sys.realpath ? ts.sys.realpath(file) : file),
    getSourceFile(fileName, languageVersionOrOptions) {
      const real = isReal(fileName);
      let key: string | null = null;
      if (real) {
        const options = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
        let mtime: number;
        try {
          mtime = statSync(fileName).mtimeMs;
        } catch {
          return undefined;
        }
        key = `${fileName}\0${mtime}\0${options.languageVersion}\0${options.impliedNodeFormat ?? ""}`;
        const cached = realSourceFiles.get(key);
        if (cached) return cached;
      }
      const text = readFile(fileName);
      if (text === undefined) return undefined;
      const sourceFile = ts.createSourceFile(fileName, text, languageVersionOrOptions);
      if (key !== null) {
        if (realSourceFiles.size >= REAL_SOURCE_FILES_LIMIT) realSourceFiles.clear();
        realSourceFiles.set(key, sourceFile);
      }
      return sourceFile;
    },
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    writeFile: () => {},
    getCurrentDirectory: () => root,
    getCanonicalFileName: (file) => file,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
  };
}
