import type * as TypeScript from "typescript";
import type { TypeScriptApi } from "./require-typescript.js";
import type { SdkBindings } from "./sdk-bindings.js";

/** Something in a script's source that keeps chorebot from reading its definition. */
export interface DefinitionProblem {
  /** 1-based. */
  line: number;
  /** 1-based, as in editors and GitHub annotations. */
  column: number;
  message: string;
}

/** What the readers share: the parsed file, what it imports from the SDK, the problems so far. */
export interface ReadContext {
  ts: TypeScriptApi;
  file: TypeScript.SourceFile;
  sdk: SdkBindings;
  problems: DefinitionProblem[];
}

/** Why definitions are literals, for messages about anything else. */
export const LITERALS_ONLY = "chorebot reads definitions without running the script";

export function problemAt(file: TypeScript.SourceFile, node: TypeScript.Node, message: string): DefinitionProblem {
  const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
  return { line: line + 1, column: character + 1, message };
}

export function report(ctx: ReadContext, node: TypeScript.Node, message: string): void {
  ctx.problems.push(problemAt(ctx.file, node, message));
}
