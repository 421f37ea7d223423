import type * as TypeScript from "typescript";

export type TypeScriptApi = typeof TypeScript;

let loading: Promise<TypeScriptApi | null> | undefined;

/**
 * The TypeScript compiler, loaded on first use: it is large, and a server installed
 * without it (`npm ci --omit=dev` while it is a devDependency) still checks everything else.
 */
export function loadTypeScript(): Promise<TypeScriptApi | null> {
  loading ??= import("typescript").then(
    (module) => (module as unknown as { default?: TypeScriptApi }).default ?? module,
    () => null,
  );
  return loading;
}
