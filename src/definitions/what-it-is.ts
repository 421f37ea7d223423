import type * as TypeScript from "typescript";
import type { TypeScriptApi } from "./require-typescript.js";

/** What a node that is no literal is, for messages ("not a call", "not the name `LIMIT`"). */
export function whatItIs(ts: TypeScriptApi, node: TypeScript.Node): string {
  if (ts.isIdentifier(node)) return ts.isShorthandPropertyAssignment(node.parent) ? `the shorthand \`${node.text}\`` : `the name \`${node.text}\``;
  if (ts.isTemplateExpression(node)) return "a template with ${…}";
  if (ts.isCallExpression(node) || ts.isNewExpression(node)) return "a call";
  if (ts.isSpreadElement(node)) return "a spread";
  if (ts.isConditionalExpression(node)) return "a condition (… ? … : …)";
  if (ts.isMethodDeclaration(node) || ts.isFunctionLike(node)) return "a function";
  return "an expression";
}
