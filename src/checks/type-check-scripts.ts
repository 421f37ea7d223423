import { posix, resolve } from "node:path";
import type * as TypeScript from "typescript";
import type { Annotation } from "./check-report.js";
import type { TypeScriptApi } from "./load-typescript.js";
import { locateSdk } from "../runner/sdk-plugin.js";
import { fileURLToPath } from "node:url";
import { repoCompilerHost } from "./repo-compiler-host.js";

const TS_ENTRY = /\.(m|c)?tsx?$/;

export interface TypeCheckInput {
  /** The scripts' working directory: packages and `@types` resolve from its node_modules. */
  scriptCwd: string;
  /** Repository-relative path → text: tsconfig.json (and what it extends), the scripts and what they import. */
  files: ReadonlyMap<string, string>;
  entries: readonly string[];
  /** Bare imports already reported as not installed: TypeScript's "Cannot find module" for them would repeat it. */
  missingPackages?: readonly string[];
}

/**
 * Type-checks the entry scripts (and what they import) with the repository's tsconfig.json,
 * never emitting. Errors in repository files are failure annotations at their place; problems
 * with the configuration or outside the repository are warnings on tsconfig.json.
 * `onAnnotations` gets them as they come out (the configuration's, then each file's), so
 * those found before the check is stopped for a limit are kept.
 */
export function typeCheckScripts(ts: TypeScriptApi, input: TypeCheckInput, onAnnotations: (batch: Annotation[]) => void = () => {}): Annotation[] {
  const root = resolve(input.scriptCwd).replace(/\\/g, "/");
  const configPath = posix.join(root, "tsconfig.json");
  const configText = input.files.get("tsconfig.json") ?? "{}";
  const configFile = ts.readJsonConfigFile(configPath, () => configText);
  const probe = repoCompilerHost(ts, {}, root, input.files);
  const parseHost: TypeScript.ParseConfigHost = {
    useCaseSensitiveFileNames: true,
    // The repository's include/files lists are not used: only the entry scripts are checked.
    readDirectory: () => [],
    fileExists: (file) => probe.fileExists(file),
    readFile: (file) => probe.readFile(file),
  };
  const parsed = ts.parseJsonSourceFileConfigFileContent(configFile, parseHost, root, undefined, configPath);
  const options: TypeScript.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    incremental: false,
    composite: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    paths: { ...parsed.options.paths, ...sdkPaths() },
    // Node's types come from production's node_modules when it has them, else from this app's.
    typeRoots: [...(parsed.options.typeRoots ?? [posix.join(root, "node_modules/@types")]), APP_TYPE_ROOTS],
    // TypeScript 6 includes no @types by default; scripts run on Node.
    types: [...new Set([...(parsed.options.types ?? []), "node"])],
  };
  delete options.tsBuildInfoFile;
  const host = repoCompilerHost(ts, options, root, input.files);
  const rootNames = input.entries.filter((entry) => TS_ENTRY.test(entry) || options.allowJs).map((entry) => posix.join(root, entry));
  if (rootNames.length === 0) return [];
  const program = ts.createProgram({ rootNames, options, host });

  const repoFiles = program.getSourceFiles().filter((file) => {
    const path = toRepoPath(root, file.fileName);
    return path !== null && input.files.has(path) && !path.endsWith(".json");
  });
  const missing = new Set(input.missingPackages ?? []);
  const annotations: Annotation[] = [];
  const report = (diagnostics: readonly TypeScript.Diagnostic[]) => {
    const batch = diagnostics
      .filter((d) => d.category === ts.DiagnosticCategory.Error || d.category === ts.DiagnosticCategory.Warning)
      .filter((d) => !(d.code === 2307 && [...missing].some((name) => messageOf(ts, d).includes(`'${name}'`))))
      .map((d) => toAnnotation(ts, root, input.files, d));
    if (batch.length > 0) onAnnotations(batch);
    annotations.push(...batch);
  };
  report([
    // JSON syntax errors of tsconfig.json (not in the public typings, but always there).
    ...((configFile as { parseDiagnostics?: TypeScript.Diagnostic[] }).parseDiagnostics ?? []),
    ...parsed.errors.filter((d) => d.code !== 18003 /* no inputs found: include/files are not used */),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
  ]);
  for (const file of repoFiles) report([...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);
  return annotations;
}

function toAnnotation(ts: TypeScriptApi, root: string, files: ReadonlyMap<string, string>, d: TypeScript.Diagnostic): Annotation {
  const message = messageOf(ts, d);
  const title = `TypeScript error TS${d.code}`;
  const path = d.file ? toRepoPath(root, d.file.fileName) : null;
  if (d.file && path !== null && files.has(path)) {
    const start = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const end = d.file.getLineAndCharacterOfPosition((d.start ?? 0) + (d.length ?? 0));
    const annotation: Annotation = {
      path,
      start_line: start.line + 1,
      end_line: end.line + 1,
      annotation_level: d.category === ts.DiagnosticCategory.Error && !path.endsWith(".json") ? "failure" : "warning",
      title,
      message,
    };
    if (start.line === end.line) {
      annotation.start_column = start.character + 1;
      annotation.end_column = Math.max(start.character + 1, end.character);
    }
    return annotation;
  }
  // Not about one place in the repository: the configuration, or a declaration file of the server's install.
  const where = d.file ? `${toRepoPath(root, d.file.fileName) ?? d.file.fileName}: ` : "";
  return { path: "tsconfig.json", start_line: 1, end_line: 1, annotation_level: "warning", title, message: where + message };
}

function messageOf(ts: TypeScriptApi, d: TypeScript.Diagnostic): string {
  return ts.flattenDiagnosticMessageText(d.messageText, "\n");
}

function toRepoPath(root: string, fileName: string): string | null {
  const path = posix.relative(root, fileName);
  return path.startsWith("..") || posix.isAbsolute(path) ? null : path;
}

const APP_TYPE_ROOTS = fileURLToPath(new URL("../../node_modules/@types", import.meta.url));

/** `import … from "chorebot"` type-checks against the SDK this app bundles into scripts. */
function sdkPaths(): Record<string, string[]> {
  const sdk = locateSdk();
  // NodeNext adds no extensions to path mappings: name the very file (declarations in dist).
  return sdk ? { chorebot: [sdk.entry.replace(/\.js$/, ".d.ts")] } : {};
}
