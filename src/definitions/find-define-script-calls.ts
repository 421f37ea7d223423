import type * as TypeScript from "typescript";
import { SDK_SPECIFIER } from "../runner/sdk-plugin.js";
import { LITERALS_ONLY, problemAt, type DefinitionProblem } from "./read-context.js";
import type { TypeScriptApi } from "./require-typescript.js";
import { isValueReference, sdkExportName, type SdkBindings } from "./sdk-bindings.js";

/** The SDK functions a script defines itself with: one call per script, its default export. */
export const DEFINERS = ["defineScript", "defineWorkflow"] as const;
export type Definer = (typeof DEFINERS)[number];

export interface DefineCall {
  definer: Definer;
  call: TypeScript.CallExpression;
}

export interface DefineScriptUses {
  /** `defineScript(…)` and `defineWorkflow(…)` calls, in source order. */
  calls: DefineCall[];
  /** `step(…)` calls, in source order: each must be an element of the workflow's `steps`, where the reader takes it. */
  stepCalls: TypeScript.CallExpression[];
  /**
   * Every other way the file could reach a definer or `step` (`const d = defineScript`,
   * `cb["defineScript"]`, `await import("chorebot")`): a definition made that way could not be
   * read, so each is a problem.
   */
  misuses: DefinitionProblem[];
}

/** Finds where the file uses the SDK's defineScript, defineWorkflow and step, looking at values only (types are erased). */
export function findDefineScriptCalls(ts: TypeScriptApi, file: TypeScript.SourceFile, sdk: SdkBindings): DefineScriptUses {
  const calls: DefineCall[] = [];
  const stepCalls: TypeScript.CallExpression[] = [];
  const misuses: DefinitionProblem[] = [];
  const visit = (node: TypeScript.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined)) return;
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    const name = sdkExportName(ts, sdk, node);
    const called = name !== null && ts.isCallExpression(node.parent) && node.parent.expression === node;
    if (loadsSdkDynamically(ts, node)) {
      misuses.push(problemAt(file, node, `import the SDK statically (import { defineScript } from "${SDK_SPECIFIER}"): ${LITERALS_ONLY}`));
    } else if (isDefiner(name)) {
      if (called) calls.push({ definer: name, call: node.parent });
      else misuses.push(problemAt(file, node, `call ${name} only as \`export default ${name}({ … })\`: ${LITERALS_ONLY}`));
    } else if (name === "step") {
      if (called) stepCalls.push(node.parent);
      else misuses.push(problemAt(file, node, `call step only as an element of defineWorkflow's steps: \`steps: [step({ … })]\`: ${LITERALS_ONLY}`));
    } else if (ts.isIdentifier(node) && sdk.namespaces.has(node.text) && isValueReference(ts, node) && !isMemberAccessed(ts, node)) {
      misuses.push(problemAt(file, node, `use the SDK namespace only as \`${node.text}.name\`: ${LITERALS_ONLY}`));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { calls, stepCalls, misuses };
}

function isDefiner(name: string | null): name is Definer {
  return (DEFINERS as readonly (string | null)[]).includes(name);
}

function isMemberAccessed(ts: TypeScriptApi, id: TypeScript.Identifier): boolean {
  return ts.isPropertyAccessExpression(id.parent) && id.parent.expression === id;
}

/** `import("chorebot")` or `require("chorebot")`. */
function loadsSdkDynamically(ts: TypeScriptApi, node: TypeScript.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  const loads = callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require");
  const first = node.arguments[0];
  return loads && first !== undefined && ts.isStringLiteralLike(first) && first.text === SDK_SPECIFIER;
}
