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
  if (ts.isIdentifier(node)) return isValueReference(ts, node) && !isShadowed(ts, node) ? (sdk.named.get(node.text) ?? null) : null;
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && sdk.namespaces.has(node.expression.text) && !isShadowed(ts, node.expression)) {
    return node.name.text;
  }
  return null;
}

/**
 * Whether an identifier refers to a binding rather than naming a property, a member or a
 * new declaration (`x.defineScript`, `{ defineScript: 1 }`, `const { defineScript } = x`).
 * Whether a nested declaration shadows the import is {@link isShadowed}'s question.
 */
export function isValueReference(ts: TypeScriptApi, id: TypeScript.Identifier): boolean {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return true;
  if (ts.isExportSpecifier(parent)) return (parent.propertyName ?? parent.name) === id;
  return !(("name" in parent && parent.name === id) || ("propertyName" in parent && parent.propertyName === id));
}

/**
 * Whether a parameter or declaration between `id` and the file's top level binds its name
 * (`afterStep({ step }) { if (step === "charge") … }`): then it is not the SDK's. Only
 * bindings known for sure count (parameters, the block's own declarations, a catch clause):
 * a shadowing this misses leaves the use counted as the SDK's, a problem the author sees,
 * never a definition read wrongly.
 */
export function isShadowed(ts: TypeScriptApi, id: TypeScript.Identifier): boolean {
  for (let node: TypeScript.Node = id.parent; !ts.isSourceFile(node); node = node.parent) {
    if (ts.isFunctionLike(node) && node.parameters.some((parameter) => binds(ts, parameter.name, id.text))) return true;
    if ((ts.isFunctionExpression(node) || ts.isClassExpression(node)) && node.name?.text === id.text) return true;
    if (ts.isCatchClause(node) && node.variableDeclaration !== undefined && binds(ts, node.variableDeclaration.name, id.text)) return true;
    if ((ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) && declares(ts, node.initializer, id.text)) return true;
    if (
      (ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node)) &&
      node.statements.some((statement) => declaresIn(ts, statement, id.text))
    ) {
      return true;
    }
  }
  return false;
}

function declaresIn(ts: TypeScriptApi, statement: TypeScript.Statement, name: string): boolean {
  if (ts.isVariableStatement(statement)) return declares(ts, statement.declarationList, name);
  if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) return statement.name?.text === name;
  return false;
}

function declares(ts: TypeScriptApi, list: TypeScript.Node | undefined, name: string): boolean {
  return list !== undefined && ts.isVariableDeclarationList(list) && list.declarations.some((declaration) => binds(ts, declaration.name, name));
}

function binds(ts: TypeScriptApi, binding: TypeScript.BindingName, name: string): boolean {
  if (ts.isIdentifier(binding)) return binding.text === name;
  return binding.elements.some((element) => !ts.isOmittedExpression(element) && binds(ts, element.name, name));
}
