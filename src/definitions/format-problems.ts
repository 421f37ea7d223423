import type { DefinitionProblem } from "./read-context.js";

/** One line per problem, `path:line:column: message`, as compilers print them. */
export function formatDefinitionProblems(path: string, problems: readonly DefinitionProblem[]): string {
  return problems.map((problem) => `${path}:${problem.line}:${problem.column}: ${problem.message}`).join("\n");
}
