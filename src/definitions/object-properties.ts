import type * as TypeScript from "typescript";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";

export interface NamedProperty {
  name: string;
  /** Where the property is, for problems about it. */
  node: TypeScript.ObjectLiteralElementLike;
  /** The value; a method is its own value (`run() {}`). */
  value: TypeScript.Node;
}

/**
 * An object literal's properties by name, in source order. Spreads, computed or numeric keys,
 * accessors, `__proto__` and repeated names are problems: they are not plain named values.
 * `where` names the object in messages ("inputs", "inputs.limit").
 */
export function objectProperties(ctx: ReadContext, object: TypeScript.ObjectLiteralExpression, where: string): NamedProperty[] {
  const { ts } = ctx;
  const properties: NamedProperty[] = [];
  for (const node of object.properties) {
    if (ts.isSpreadAssignment(node)) {
      report(ctx, node, `${where}: write each property as \`name: value\` instead of a spread: ${LITERALS_ONLY}`);
      continue;
    }
    if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      report(ctx, node, `${where}: write \`name: value\` instead of an accessor: ${LITERALS_ONLY}`);
      continue;
    }
    const key = node.name;
    if (!ts.isIdentifier(key) && !ts.isStringLiteral(key)) {
      report(ctx, key, `${where}: write the property's name as a word or a string, not a computed or numeric key: ${LITERALS_ONLY}`);
      continue;
    }
    if (key.text === "__proto__") {
      report(ctx, key, `${where}: \`__proto__\` sets the object's prototype, it is no property: rename it`);
      continue;
    }
    if (properties.some((property) => property.name === key.text)) {
      report(ctx, key, `${where}: \`${key.text}\` is given twice: keep one`);
      continue;
    }
    const value = ts.isPropertyAssignment(node) ? node.initializer : ts.isShorthandPropertyAssignment(node) ? node.name : node;
    properties.push({ name: key.text, node, value });
  }
  return properties;
}
