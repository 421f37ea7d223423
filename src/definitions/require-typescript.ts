import { createRequire } from "node:module";
import type * as TypeScript from "typescript";

export type TypeScriptApi = typeof TypeScript;

let compiler: TypeScriptApi | undefined;

/**
 * The TypeScript compiler, loaded on first use: it is large, and most processes (the CLI's
 * other commands, a worker that has not read a definition yet) never need it. Synchronous
 * (unlike the checks' loader) so reading a definition stays a plain function.
 */
export function requireTypeScript(): TypeScriptApi {
  compiler ??= createRequire(import.meta.url)("typescript") as TypeScriptApi;
  return compiler;
}
