import type * as TypeScript from "typescript";
import type { TypeScriptApi } from "./require-typescript.js";

/** The expression inside parentheses, `as`, `satisfies`, `<T>` and `!`: they are erased, the value is the same. */
export function skipTypeWrappers(ts: TypeScriptApi, node: TypeScript.Node): TypeScript.Node {
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}
