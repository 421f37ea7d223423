import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { describeScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow, step } from "../../../src/sdk/define-workflow.js";
import { bool, int, string } from "../../../src/sdk/inputs.js";

const IMPORTS = 'import { defineWorkflow, step, string, int, bool } from "chorebot";\n';
const SDK = { defineWorkflow, step, string, int, bool };

/** The workflow as the SDK describes it at run time: the same text, evaluated with the real SDK. */
function atRuntime(definition: string): ReturnType<typeof describeScript> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the definition's text is the point
  const build = new Function(...Object.keys(SDK), `const undo = () => {}, audit = {}; return defineWorkflow(${definition});`) as (
    ...sdk: unknown[]
  ) => Parameters<typeof describeScript>[0];
  return describeScript(build(...Object.values(SDK)));
}

describe("the static reading of a workflow equals describeScript(defineWorkflow(…))", () => {
  test.each([
    ["one step, nothing else", '{ state: {}, steps: [step({ name: "only", run() {} })] }'],
    [
      "the issue's three steps, with rollbacks",
      `{
        description: "Moves a customer to the new plan",
        state: { customer: null },
        steps: [
          step({ name: "reserve", run(state) { state.customer = 1; }, async rollback() {} }),
          step({ name: "charge", run: async () => {}, rollback: undo }),
          step({ name: "notify", run() {} }),
        ],
      }`,
    ],
    ["object literals as steps, and step()s", '{ state: 0, steps: [{ name: "a", run() {} }, step({ name: "b", run() {}, rollback() {} })] }'],
    [
      "a workflow's stepTimeout, and steps' own timeouts",
      '{ state: {}, stepTimeout: "2m", steps: [step({ name: "a", run() {}, timeout: 30 }), step({ name: "b", run() {} })] }',
    ],
    ["stepTimeout after the steps", '{ steps: [step({ name: "a", run() {}, timeout: "1h 30m" }), { name: "b", run() {} }], stepTimeout: 0.5, state: {} }'],
    [
      "inputs, concurrency, timeout, env, and state from the inputs",
      `{
        inputs: { limit: int({ default: 10, min: 1 }), region: string({ choices: ["eu", "us"], default: "eu" }), dryRun: bool({ default: true }) },
        state: (inputs) => ({ left: inputs.limit }),
        concurrency: "global",
        timeout: "20m",
        env: ["DATABASE_URL"],
        observers: [{ beforeStep() {}, afterStep() {} }, audit],
        steps: [step({ name: "a", run() {}, rollback: undo })],
      }`,
    ],
    ["a schedule", '{ state: {}, schedule: { every: "15m", retries: { attempts: 2 } }, steps: [step({ name: "a", run() {} })] }'],
    [
      "names with punctuation and a template without substitutions",
      '{ state: {}, steps: [step({ name: "**bold** | <b>x</b>", run() {} }), step({ name: `a-b_c.d`, run() {}, rollback() {} })] }',
    ],
    [
      "fifty steps",
      `{ state: {}, steps: [${Array.from({ length: 50 }, (_, i) => `step({ name: "s${i}", run() {}${i % 2 === 0 ? ", rollback() {}" : ""} })`).join(", ")}] }`,
    ],
  ])("%s", (_, definition) => {
    const expected = atRuntime(definition);
    const reading = readScriptDefinition(`${IMPORTS}export default defineWorkflow(${definition});\n`, "chores/x.ts");
    expect(reading).toStrictEqual({ definition: expected, usesDefineScript: true, problems: [] });
    expect(JSON.stringify(reading.definition)).toBe(JSON.stringify(expected));
  });

  test.each([
    ["no steps", "{ state: {}, steps: [] }"],
    ["51 steps", `{ state: {}, steps: [${Array.from({ length: 51 }, (_, i) => `step({ name: "s${i}", run() {} })`).join(", ")}] }`],
    ["a duplicate name", '{ state: {}, steps: [step({ name: "a", run() {} }), step({ name: "a", run() {} })] }'],
    ["a step without run", '{ state: {}, steps: [step({ name: "a" })] }'],
    ["an empty name", '{ state: {}, steps: [step({ name: " ", run() {} })] }'],
    ["a rollback that is no function", '{ state: {}, steps: [step({ name: "a", run() {}, rollback: null })] }'],
    ["a bad step timeout", '{ state: {}, steps: [step({ name: "a", run() {}, timeout: "soon" })] }'],
    ["no state", '{ steps: [step({ name: "a", run() {} })] }'],
    ["a name too long", `{ state: {}, steps: [step({ name: "${"n".repeat(101)}", run() {} })] }`],
    ["a name on two lines", '{ state: {}, steps: [step({ name: "a\\nb", run() {} })] }'],
  ])("what the SDK refuses, the reader does too: %s", (_, definition) => {
    expect(() => atRuntime(definition)).toThrow();
    expect(readScriptDefinition(`${IMPORTS}export default defineWorkflow(${definition});\n`, "chores/x.ts").problems).not.toEqual([]);
  });
});
