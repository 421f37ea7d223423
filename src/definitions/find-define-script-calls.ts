import type * as TypeScript from "typescript";
import { SDK_SPECIFIER } from "../runner/sdk-plugin.js";
import { LITERALS_ONLY, problemAt, type DefinitionProblem } from "./read-context.js";
import type { TypeScriptApi } from "./require-typescript.js";
import { isValueReference, sdkExportName, type SdkBindings } from "./sdk-bindings.js";

export interface DefineScriptUses {
  /** `defineScript(…)` calls, in source order. */
  calls: TypeScript.CallExpression[];
  /**
   * Every other way the file could reach defineScript (`const d = defineScript`, `cb["defineScript"]`,
   * `await import("chorebot")`): a definition made that way could not be read, so each is a problem.
   */
  misuses: DefinitionProblem[];
}

/** Finds where the file uses the SDK's defineScript, looking at values only (types are erased). */
export function findDefineScriptCalls(ts: TypeScriptApi, file: TypeScript.SourceFile, sdk: SdkBindings): DefineScriptUses {
  const calls: TypeScript.CallExpression[] = [];
  const misuses: DefinitionProblem[] = [];
  const visit = (node: TypeScript.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined)) return;
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    if (loadsSdkDynamically(ts, node)) {
      misuses.push(problemAt(file, node, `import the SDK statically (import { defineScript } from "${SDK_SPECIFIER}"): ${LITERALS_ONLY}`));
    } else if (sdkExportName(ts, sdk, node) === "defineScript") {
      if (ts.isCallExpression(node.parent) && node.parent.expression === node) calls.push(node.parent);
      else misuses.push(problemAt(file, node, `call defineScript only as \`export default defineScript({ … })\`: ${LITERALS_ONLY}`));
    } else if (ts.isIdentifier(node) && sdk.namespaces.has(node.text) && isValueReference(ts, node) && !isMemberAccessed(ts, node)) {
      misuses.push(problemAt(file, node, `use the SDK namespace only as \`${node.text}.name\`: ${LITERALS_ONLY}`));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { calls, misuses };
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
