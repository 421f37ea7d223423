import type * as TypeScript from "typescript";
import { SDK_SPECIFIER } from "../runner/sdk-plugin.js";
import type { TypeScriptApi } from "./require-typescript.js";

/** The values a script imports from "chorebot". */
export interface SdkBindings {
  /** Local name → the SDK export it stands for (`import { defineScript as d }`: d → defineScript). */
  named: ReadonlyMap<string, string>;
  /** Local names of `import * as cb from "chorebot"`. */
  namespaces: ReadonlySet<string>;
}

export function sdkBindings(ts: TypeScriptApi, file: TypeScript.SourceFile): SdkBindings {
  const named = new Map<string, string>();
  const namespaces = new Set<string>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    if (statement.moduleSpecifier.text !== SDK_SPECIFIER || clause === undefined) continue;
    if (clause.phaseModifier === ts.SyntaxKind.TypeKeyword) continue;
    const bindings = clause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
    for (const element of bindings !== undefined && ts.isNamedImports(bindings) ? bindings.elements : []) {
      if (!element.isTypeOnly) named.set(element.name.text, (element.propertyName ?? element.name).text);
    }
  }
  return { named, namespaces };
}

/** The SDK export an expression stands for (`defineScript`, `d` when renamed, `cb.int`), or null. */
export function sdkExportName(ts: TypeScriptApi, sdk: SdkBindings, node: TypeScript.Node): string | null {
  if (ts.isIdentifier(node)) return isValueReference(ts, node) ? (sdk.named.get(node.text) ?? null) : null;
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && sdk.namespaces.has(node.expression.text)) {
    return node.name.text;
  }
  return null;
}

/**
 * Whether an identifier refers to a binding rather than naming a property, a member or a
 * new declaration (`x.defineScript`, `{ defineScript: 1 }`, `const { defineScript } = x`).
 * Shadowing by nested declarations is not tracked: such a use counts as a reference.
 */
export function isValueReference(ts: TypeScriptApi, id: TypeScript.Identifier): boolean {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return true;
  if (ts.isExportSpecifier(parent)) return (parent.propertyName ?? parent.name) === id;
  return !(("name" in parent && parent.name === id) || ("propertyName" in parent && parent.propertyName === id));
}
