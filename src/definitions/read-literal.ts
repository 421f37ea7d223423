import type * as TypeScript from "typescript";
import { LITERALS_ONLY, report, type ReadContext } from "./read-context.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";
import { whatItIs } from "./what-it-is.js";

/** The literals a definition holds, and the values they read as (a regex as its `source` and `flags`). */
interface LiteralKinds {
  string: string;
  number: number;
  boolean: boolean;
  regex: { source: string; flags: string };
  strings: string[];
  /** What parseDuration accepts. */
  duration: string | number;
}
export type LiteralKind = keyof LiteralKinds;

const EXPECTED: Record<LiteralKind, string> = {
  string: 'a string like "text"',
  number: "a number like 100",
  boolean: "true or false",
  regex: "a regular expression like /^\\d+$/",
  strings: 'an array of strings like ["staging", "production"]',
  duration: 'a duration like "20m" or a number of seconds',
};

/**
 * Reads the literal of the given kind at `node`; reports why it is none and returns undefined
 * otherwise. `label` starts the messages ("inputs.limit: default").
 */
export function readLiteral<K extends LiteralKind>(ctx: ReadContext, node: TypeScript.Node, kind: K, label: string): LiteralKinds[K] | undefined {
  return read(ctx, node, kind, label) as LiteralKinds[K] | undefined;
}

function read(ctx: ReadContext, node: TypeScript.Node, kind: LiteralKind, label: string): LiteralKinds[LiteralKind] | undefined {
  const { ts } = ctx;
  const value = skipTypeWrappers(ts, node);
  const literal = literalOf(ts, value);
  if (literal === null) {
    report(ctx, node, `${label} must be a literal (${EXPECTED[kind]}), not ${whatItIs(ts, value)}: ${LITERALS_ONLY}`);
    return undefined;
  }
  switch (kind) {
    case "regex":
      if (ts.isRegularExpressionLiteral(value)) return regexParts(ctx, value, label);
      break;
    case "strings":
      if (ts.isArrayLiteralExpression(value)) {
        const items = value.elements.map((element, i) => readLiteral(ctx, element, "string", `${label}[${i}]`));
        return items.every((item) => item !== undefined) ? items : undefined;
      }
      break;
    case "duration":
      if (typeof literal === "string" || typeof literal === "number") return literal;
      break;
    default:
      if (typeof literal === kind) return literal as string | number | boolean;
  }
  const found = typeof literal === "object" ? literal.what : typeof literal === "boolean" ? "a boolean" : `a ${typeof literal}`;
  report(ctx, node, `${label} must be ${EXPECTED[kind]}, not ${found}`);
  return undefined;
}

/** A literal's value, `what` it is for the other literals, or null when the node is not one. */
function literalOf(ts: ReadContext["ts"], node: TypeScript.Node): string | number | boolean | { what: string } | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) {
    return -Number(node.operand.text);
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isRegularExpressionLiteral(node)) return { what: "a regular expression" };
  if (ts.isArrayLiteralExpression(node)) return { what: "an array" };
  return null;
}

/** The `source` and `flags` the regex has at run time; compiling it checks it (the parser does not). */
function regexParts(ctx: ReadContext, node: TypeScript.RegularExpressionLiteral, label: string): LiteralKinds["regex"] | undefined {
  const end = node.text.lastIndexOf("/");
  try {
    const { source, flags } = new RegExp(node.text.slice(1, end), node.text.slice(end + 1));
    return { source, flags };
  } catch (error) {
    report(ctx, node, `${label} is not a valid regular expression: ${(error as Error).message}`);
    return undefined;
  }
}
