import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { defineScript, describeScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow } from "../../../src/sdk/define-workflow.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../../../src/sdk/protocol.js";

const SDK = { defineScript, defineWorkflow };
const DEFINITIONS = {
  defineScript: (approval: string) => `defineScript({\n  approval: ${approval},\n  run() {},\n})`,
  defineWorkflow: (approval: string) => `defineWorkflow({\n  approval: ${approval},\n  state: {},\n  steps: [{ name: "a", run() {} }],\n})`,
};
type Definer = keyof typeof DEFINITIONS;
const sourceOf = (definer: Definer, approval: string) => `import { ${definer} } from "chorebot";\nexport default ${DEFINITIONS[definer](approval)};\n`;

/** The approval as the SDK describes it at run time: the same text, evaluated with the real SDK (or what it throws). */
function atRuntime(definer: Definer, approval: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the definition's text is the point
  const build = new Function(...Object.keys(SDK), `return ${DEFINITIONS[definer](approval)};`) as (...sdk: unknown[]) => Parameters<typeof describeScript>[0];
  return describeScript(build(...Object.values(SDK))).approval;
}

function at(source: string, snippet: string): { line: number; column: number } {
  const before = source.slice(0, source.indexOf(snippet)).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe("readApproval agrees with the SDK's describeScript", () => {
  test.each([
    ["defineScript", "{ count: 1 }", { count: 1, timeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS }],
    ["defineScript", '{ count: 5, timeout: "2d" }', { count: 5, timeoutMs: 2 * 86_400_000 }],
    ["defineWorkflow", "{ count: 2, timeout: 3600 }", { count: 2, timeoutMs: 3_600_000 }],
    ["defineWorkflow", '{ count: 3, timeout: "30d" } as const', { count: 3, timeoutMs: 30 * 86_400_000 }],
  ] as const)("%s with %s", (definer, approval, expected) => {
    const reading = readScriptDefinition(sourceOf(definer, approval), "chores/x.ts");
    expect(reading.problems).toEqual([]);
    expect(reading.definition?.approval).toEqual(expected);
    expect(atRuntime(definer, approval.replace(" as const", ""))).toEqual(expected);
  });

  test("no approval is null, as describeScript has it", () => {
    const source = 'import { defineScript } from "chorebot";\nexport default defineScript({ run() {} });\n';
    expect(readScriptDefinition(source, "chores/x.ts").definition?.approval).toBeNull();
    expect(describeScript(defineScript({ run() {} })).approval).toBeNull();
  });

  test.each([
    ["count 0", "{ count: 0 }", "count: 0", "approval.count must be a whole number from 1 to 5"],
    ["count 6", "{ count: 6 }", "count: 6", "approval.count must be a whole number from 1 to 5"],
    ["count 1.5", "{ count: 1.5 }", "count: 1.5", "approval.count must be a whole number from 1 to 5"],
    ["no count", '{ timeout: "1d" }', "{ timeout", "approval.count must be a whole number from 1 to 5"],
    ["a timeout over 30 days", '{ count: 1, timeout: "31d" }', "timeout:", 'approval.timeout "31d" is longer than the longest wait, 30d'],
    ["a bad timeout", '{ count: 1, timeout: "soon" }', "timeout:", "approval.timeout: invalid duration"],
    ["an unknown option", "{ count: 1, by: 2 }", "by:", "approval has no option `by` (it has count, timeout)"],
  ])("%s: a problem at its line, and defineScript refuses it the same", (_, approval, snippet, message) => {
    const source = sourceOf("defineScript", approval);
    const { problems, definition } = readScriptDefinition(source, "chores/x.ts");
    expect(definition).toBeNull();
    expect(problems).toEqual([{ ...at(source, snippet), message: expect.stringContaining(message) as string }]);
    expect(() => atRuntime("defineScript", approval)).toThrow(message);
  });

  test("a value that is not a literal is a problem at it", () => {
    const source = `import { defineScript } from "chorebot";\nconst N = 2;\nexport default ${DEFINITIONS.defineScript("{ count: N }")};\n`;
    const { problems } = readScriptDefinition(source, "chores/x.ts");
    expect(problems).toEqual([{ ...at(source, "N }"), message: expect.stringContaining("approval.count must be a literal") as string }]);
  });

  test("an approval that is not an object literal", () => {
    const source = sourceOf("defineWorkflow", "true");
    const { problems } = readScriptDefinition(source, "chores/x.ts");
    expect(problems).toEqual([{ ...at(source, "true"), message: expect.stringContaining("approval must be an object literal") as string }]);
    expect(() => atRuntime("defineWorkflow", "true")).toThrow("defineWorkflow: approval must be an object");
  });
});
