import type * as TypeScript from "typescript";
import { isEnvName } from "../sdk/protocol.js";
import { report, type ReadContext } from "./read-context.js";
import { readLiteral } from "./read-literal.js";
import { skipTypeWrappers } from "./skip-type-wrappers.js";

/**
 * `env: ["DATABASE_URL", …]`: an array literal of distinct variable names, each problem at the
 * name it is about. The same checks as defineScript's (src/sdk/define-script.ts), which would
 * throw when the script starts. Undefined when there is any problem.
 */
export function readEnv(ctx: ReadContext, node: TypeScript.Node): string[] | undefined {
  const names = readLiteral(ctx, node, "strings", "env");
  if (names === undefined) return undefined;
  const elements = (skipTypeWrappers(ctx.ts, node) as TypeScript.ArrayLiteralExpression).elements;
  const before = ctx.problems.length;
  names.forEach((name, i) => {
    if (!isEnvName(name)) report(ctx, elements[i]!, `env[${i}]: ${JSON.stringify(name)} is not an environment variable name`);
    else if (names.indexOf(name) !== i) report(ctx, elements[i]!, `env[${i}]: ${name} is listed twice`);
  });
  return ctx.problems.length === before ? names : undefined;
}
