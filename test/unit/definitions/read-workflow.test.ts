import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { MAX_STEP_NAME_LENGTH } from "../../../src/definitions/read-steps.js";
import { DEFAULT_STEP_TIMEOUT_MS, MAX_WORKFLOW_STEPS } from "../../../src/sdk/protocol.js";

const IMPORTS = 'import { defineWorkflow, defineScript, step, int } from "chorebot";\n';
const LITERALS_ONLY = "chorebot reads definitions without running the script";

/** `source` read as a one-off script. */
const read = (source: string) => readScriptDefinition(source, "scripts/x.ts");
/** A workflow whose definition object's lines (`lines`) start on line 3. */
const workflow = (...lines: string[]) => `${IMPORTS}export default defineWorkflow({\n${lines.map((line) => `  ${line}\n`).join("")}});\n`;
/** Where `snippet` first is in `source`'s default export, 1-based. */
function at(source: string, snippet: string): { line: number; column: number } {
  const index = source.indexOf(snippet, source.indexOf("export default"));
  if (index < 0) throw new Error(`${snippet} is not in the source`);
  const before = source.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
/** The problems of an unreadable definition. */
function problems(source: string) {
  const reading = read(source);
  expect(reading.definition).toBeNull();
  expect(reading.usesDefineScript).toBe(true);
  return reading.problems;
}
const step = (name: string, rollback = true, extra = "") => `step({ name: "${name}", run() {},${rollback ? " rollback() {}," : ""}${extra} }),`;

describe("readScriptDefinition reads a workflow", () => {
  test("its steps in order, each with whether it has a rollback and its time limit", () => {
    const source = workflow(
      'description: "Moves a customer to the new plan",',
      "state: { customer: null, charged: 0 },",
      'stepTimeout: "2m",',
      "steps: [",
      '  step({ name: "reserve", run(state) { state.customer = 1; }, async rollback() {} }),',
      '  { name: "charge", run: async () => {}, timeout: 30 },',
      '  step({ name: `notify`, run: notify, rollback: undo.notify, timeout: "1h" }),',
      "],",
      "observers: [{ beforeStep() {} }, audit],",
    );
    expect(read(source)).toStrictEqual({
      definition: {
        description: "Moves a customer to the new plan",
        inputs: {},
        concurrency: "self",
        timeoutMs: null,
        env: null,
        schedule: null,
        approval: null,
        iteration: null,
        workflow: {
          steps: [
            { name: "reserve", rollback: true, timeoutMs: 120_000 },
            { name: "charge", rollback: false, timeoutMs: 30_000 },
            { name: "notify", rollback: true, timeoutMs: 3_600_000 },
          ],
        },
      },
      usesDefineScript: true,
      problems: [],
    });
  });

  test("without stepTimeout, a step without its own timeout gets the default", () => {
    const reading = read(workflow("state: {},", "steps: [step({ name: 'only', run() {} }), step({ name: 'timed', run() {}, timeout: 5 })],"));
    expect(reading.definition?.workflow).toStrictEqual({
      steps: [
        { name: "only", rollback: false, timeoutMs: DEFAULT_STEP_TIMEOUT_MS },
        { name: "timed", rollback: false, timeoutMs: 5000 },
      ],
    });
  });

  test("stepTimeout written after the steps applies to them too", () => {
    expect(read(workflow("steps: [step({ name: 'a', run() {} })],", "state: 0,", 'stepTimeout: "10s",')).definition?.workflow?.steps).toStrictEqual([
      { name: "a", rollback: false, timeoutMs: 10_000 },
    ]);
  });

  test("the options it shares with defineScript, read as for defineScript", () => {
    const source = workflow(
      "inputs: { limit: int({ default: 10, min: 1 }) },",
      "state: (inputs) => ({ left: inputs.limit }),",
      'concurrency: "global",',
      'timeout: "20m",',
      'env: ["DATABASE_URL"],',
      'schedule: { cron: "0 3 * * *", timezone: "Europe/Berlin" },',
      "steps: [step({ name: 'a', run() {} })],",
    );
    const { definition } = readScriptDefinition(source, "chores/x.ts");
    const plain = readScriptDefinition(
      `${IMPORTS}export default defineScript({ inputs: { limit: int({ default: 10, min: 1 }) }, concurrency: "global", timeout: "20m", env: ["DATABASE_URL"], schedule: { cron: "0 3 * * *", timezone: "Europe/Berlin" }, run() {} });\n`,
      "chores/x.ts",
    ).definition;
    expect(definition).toStrictEqual({ ...plain, workflow: { steps: [{ name: "a", rollback: false, timeoutMs: DEFAULT_STEP_TIMEOUT_MS }] } });
  });

  test("renamed imports", () => {
    const source =
      'import { defineWorkflow as flow, step as s } from "chorebot";\nexport default flow({ state: {}, steps: [s({ name: "a", run() {}, rollback() {} })] });\n';
    expect(read(source).definition?.workflow?.steps).toStrictEqual([{ name: "a", rollback: true, timeoutMs: DEFAULT_STEP_TIMEOUT_MS }]);
  });

  test("namespace imports, with TypeScript's erased wrappers", () => {
    const source = [
      'import * as cb from "chorebot";',
      "export default (cb.defineWorkflow<{}, { n: number }>({",
      "  state: { n: 0 } as { n: number },",
      '  steps: ([cb.step<{ n: number }>({ name: "a" as const, run() {} }), (<object>{ name: "b", run() {}, rollback: (undo)! })] as const) satisfies unknown,',
      "}) satisfies cb.DefinedScript);",
    ].join("\n");
    expect(read(source)).toMatchObject({
      definition: {
        workflow: {
          steps: [
            { name: "a", rollback: false, timeoutMs: DEFAULT_STEP_TIMEOUT_MS },
            { name: "b", rollback: true, timeoutMs: DEFAULT_STEP_TIMEOUT_MS },
          ],
        },
      },
      problems: [],
    });
  });

  test(`exactly ${MAX_WORKFLOW_STEPS} steps, and a name of ${MAX_STEP_NAME_LENGTH} characters, are allowed`, () => {
    const long = "x".repeat(MAX_STEP_NAME_LENGTH - 3);
    const steps = Array.from({ length: MAX_WORKFLOW_STEPS }, (_, i) => step(`${long}${String(i).padStart(3, "0")}`));
    const reading = read(workflow("state: {},", "steps: [", ...steps, "],"));
    expect(reading.problems).toStrictEqual([]);
    expect(reading.definition?.workflow?.steps).toHaveLength(MAX_WORKFLOW_STEPS);
    expect(reading.definition?.workflow?.steps[49]?.name).toHaveLength(MAX_STEP_NAME_LENGTH);
  });

  test("a name with Markdown, HTML or other punctuation is read as written (the check escapes it)", () => {
    const name = "**bold** | <img src=x onerror=alert(1)> [link](https://evil.example) `code` # @team";
    expect(read(workflow("state: {},", `steps: [step({ name: ${JSON.stringify(name)}, run() {} })],`)).definition?.workflow?.steps[0]?.name).toBe(name);
  });

  test("a plain defineScript declares no workflow", () => {
    expect(read(`${IMPORTS}export default defineScript({ run() {} });\n`).definition?.workflow).toBeNull();
  });
});

describe("readScriptDefinition's problems with a workflow, each where it is", () => {
  test.each([
    ["no steps", ["state: {},", "steps: [],"], "[]", "a workflow needs at least one step"],
    [
      "steps from a name",
      ["state: {},", "steps: ALL,"],
      "ALL",
      `steps must be an array literal like [step({ name: "charge", run, rollback })], not the name \`ALL\`: ${LITERALS_ONLY}`,
    ],
    ["steps as a shorthand", ["state: {},", "steps,"], "steps,", "steps must be an array literal like"],
    [
      "steps chosen by a condition",
      ["state: {},", "steps: DRY ? [] : ALL,"],
      "DRY",
      'steps must be an array literal like [step({ name: "charge", run, rollback })], not a condition (… ? … : …)',
    ],
    [
      "steps spread from elsewhere",
      ["state: {},", "steps: [...ALL],"],
      "...ALL",
      `steps[0] must be step({ name, run, rollback }) or an object literal, not a spread: ${LITERALS_ONLY}`,
    ],
    [
      "a step from a name",
      ["state: {},", `steps: [${step("a")} charge],`],
      "charge]",
      "steps[1] must be step({ name, run, rollback }) or an object literal, not the name `charge`",
    ],
    [
      "a step from another function",
      ["state: {},", 'steps: [makeStep("a")],'],
      "makeStep",
      "steps[0] must be step({ name, run, rollback }) or an object literal, not a call",
    ],
    [
      "a hole",
      ["state: {},", `steps: [${step("a")} , ${step("b")}],`],
      " , step",
      "steps[1] must be step({ name, run, rollback }) or an object literal, not an expression",
    ],
    [
      "step() of a name",
      ["state: {},", "steps: [step(CHARGE)],"],
      "CHARGE",
      'steps[0]: step() takes an object literal like step({ name: "charge", run, rollback })',
    ],
    ["step() of nothing", ["state: {},", "steps: [step()],"], "step()", "steps[0]: step() takes an object literal"],
    ["step() of two things", ["state: {},", "steps: [step({ name: 'a', run() {} }, extra)],"], "extra", "steps[0]: step() takes one argument, the step"],
    [
      "a spread in a step",
      ["state: {},", "steps: [step({ ...BASE, name: 'a', run() {} })],"],
      "...BASE",
      "steps[0]: write each property as `name: value` instead of a spread",
    ],
    [
      "a name from a name",
      ["state: {},", "steps: [step({ name: NAME, run() {} })],"],
      "NAME,",
      'steps[0].name must be a literal (a string like "text"), not the name `NAME`',
    ],
    [
      "a name from a template with a substitution",
      ["state: {},", "steps: [step({ name: `charge-${n}`, run() {} })],"],
      "`charge",
      'steps[0].name must be a literal (a string like "text"), not a template with ${…}',
    ],
    ["a name that is a number", ["state: {},", "steps: [step({ name: 1, run() {} })],"], "1,", 'steps[0].name must be a string like "text", not a number'],
    [
      "a computed name key",
      ["state: {},", 'steps: [step({ ["name"]: "a", run() {} })],'],
      '["name"]',
      "steps[0]: write the property's name as a word or a string, not a computed or numeric key",
    ],
    [
      "a getter for the name",
      ["state: {},", 'steps: [step({ get name() { return "a"; }, run() {} })],'],
      "get name",
      "steps[0]: write `name: value` instead of an accessor",
    ],
    ["an empty name", ["state: {},", 'steps: [step({ name: "  ", run() {} })],'], '"  "', "steps[0].name must not be empty"],
    ["a name on two lines", ["state: {},", 'steps: [step({ name: "a\\nb", run() {} })],'], '"a\\nb"', "steps[0].name must be plain text on one line"],
    [
      "a name with a text-direction mark",
      ["state: {},", 'steps: [step({ name: "pay\\u202Eyal", run() {} })],'],
      '"pay',
      "steps[0].name must be plain text on one line",
    ],
    [
      "a name too long",
      ["state: {},", `steps: [step({ name: "${"n".repeat(101)}", run() {} })],`],
      '"nnn',
      `steps[0].name is 101 characters long: at most ${MAX_STEP_NAME_LENGTH}`,
    ],
    ["no name", ["state: {},", "steps: [step({ run() {} })],"], "{ run", "steps[0] needs `name`, unique in the workflow"],
    ["no run", ["state: {},", "steps: [{ name: 'a', rollback() {} }],"], "{ name", "steps[0] needs `run`, the function that does the step's work"],
    ["run that is undefined", ["state: {},", "steps: [{ name: 'a', run: undefined }],"], "undefined", "steps[0].run must be a function"],
    [
      "a rollback that is null",
      ["state: {},", "steps: [{ name: 'a', run() {}, rollback: null }],"],
      "null",
      "steps[0].rollback must be a function; leave it out for a step without one",
    ],
    [
      "a rollback that is void",
      ["state: {},", "steps: [{ name: 'a', run() {}, rollback: void 0 }],"],
      "void 0",
      "steps[0].rollback must be a function; leave it out",
    ],
    [
      "a rollback chosen by a condition",
      ["state: {},", "steps: [{ name: 'a', run() {}, rollback: DRY ? undefined : undo }],"],
      "DRY",
      "steps[0].rollback must be a function written here or named, not a condition (… ? … : …)",
    ],
    [
      "a rollback from ??",
      ["state: {},", "steps: [{ name: 'a', run() {}, rollback: undo ?? undefined }],"],
      "undo ??",
      "steps[0].rollback must be a function written here or named, not an expression",
    ],
    [
      "a step option it does not have",
      ["state: {},", "steps: [{ name: 'a', run() {}, retries: 3 }],"],
      "retries",
      "steps[0]: a step has no option `retries` (it has name, run, rollback, timeout)",
    ],
    ["a bad step timeout", ["state: {},", "steps: [{ name: 'a', run() {}, timeout: 'soon' }],"], "'soon'", 'steps[0].timeout: invalid duration "soon"'],
    [
      "a step timeout of zero",
      ["state: {},", "steps: [{ name: 'a', run() {}, timeout: 0 }],"],
      "0 }",
      "steps[0].timeout: invalid duration 0: must be positive",
    ],
    ["a step timeout from a name", ["state: {},", "steps: [{ name: 'a', run() {}, timeout: T }],"], "T }", "steps[0].timeout must be a literal"],
    ["a bad stepTimeout", ["state: {},", "stepTimeout: -1,", `steps: [${step("a")}],`], "-1", "stepTimeout: invalid duration -1: must be positive"],
    [
      "run as a workflow option",
      ["state: {},", `steps: [${step("a")}],`, "run() {},"],
      "run() {},\n",
      "defineWorkflow has no option `run` (it has description, inputs, concurrency, timeout, env, schedule, approval, state, observers, steps, stepTimeout)",
    ],
    [
      "steps given twice",
      ["state: {},", `steps: [${step("a")}],`, `steps: [${step("b")}],`],
      'steps: [step({ name: "b"',
      "defineWorkflow: `steps` is given twice: keep one",
    ],
    [
      "steps given twice, once quoted",
      ["state: {},", `steps: [${step("a")}],`, `"steps": [${step("b")}],`],
      '"steps"',
      "defineWorkflow: `steps` is given twice: keep one",
    ],
  ])("%s", (_, lines, snippet, message) => {
    const source = `const ALL = [], DRY = false, NAME = "a", BASE = {}, T = 1, n = 1, extra = 1, CHARGE = {}, undo = () => {}, charge = {}, makeStep = (x) => x;\n${workflow(...lines)}`;
    expect(problems(source)).toStrictEqual([{ ...at(source, snippet), message: expect.stringContaining(message) }]);
  });

  test("a duplicate name is a problem at the second one", () => {
    const source = workflow("state: {},", "steps: [", step("charge"), step("notify"), "  step({", '    name: "charge",', "    run() {},", "  }),", "],");
    expect(problems(source)).toStrictEqual([{ line: 8, column: 13, message: 'steps[2]: the name "charge" is taken by steps[0]: give each step its own name' }]);
  });

  test("no state, no steps", () => {
    const source = workflow('description: "x",');
    expect(problems(source)).toStrictEqual([
      { line: 2, column: 31, message: "defineWorkflow needs `state`, the JSON value the first step starts from, or a function of the inputs that returns one" },
      { line: 2, column: 31, message: 'defineWorkflow needs `steps`, the steps it runs in order, like [step({ name: "charge", run, rollback })]' },
    ]);
  });

  test("a definition that is no object literal", () => {
    const source = `${IMPORTS}const flow = { state: {}, steps: [] };\nexport default defineWorkflow(flow);\n`;
    expect(problems(source)).toStrictEqual([
      { line: 3, column: 16, message: `defineWorkflow takes one object literal: defineWorkflow({ description, state, steps }): ${LITERALS_ONLY}` },
    ]);
  });

  test(`more than ${MAX_WORKFLOW_STEPS} steps: one problem, at the first step too many, and no step() is left over`, () => {
    const steps = Array.from({ length: 5000 }, (_, i) => step(`s${i}`));
    const source = workflow("state: {},", "steps: [", ...steps, "],");
    expect(problems(source)).toStrictEqual([
      {
        ...at(source, 'step({ name: "s50"'),
        message: `a workflow has at most ${MAX_WORKFLOW_STEPS} steps, this one has 5000: split it into several workflows`,
      },
    ]);
  });

  test("every problem of a definition is reported, in source order", () => {
    const source = workflow("state: {},", "steps: [", '  step({ name: "a", run() {}, timeout: "x" }),', '  { name: "a" },', "  ...more,", "],");
    expect(problems(source).map((p) => [p.line, p.column, p.message.split(":")[0]])).toStrictEqual([
      [5, 42, "steps[0].timeout"],
      [6, 5, "steps[1] needs `run`, the function that does the step's work"],
      [6, 13, "steps[1]"],
      [7, 5, "steps[2] must be step({ name, run, rollback }) or an object literal, not a spread"],
    ]);
  });
});

describe("readScriptDefinition refuses a workflow it could not read for sure", () => {
  test("step() outside the steps: where it is called, and where it is used", () => {
    const source = `${IMPORTS}const charge = step({ name: "charge", run() {} });\nexport default defineWorkflow({ state: {}, steps: [charge] });\n`;
    expect(problems(source)).toStrictEqual([
      { line: 2, column: 16, message: `call step only as an element of defineWorkflow's steps: \`steps: [step({ … })]\`: ${LITERALS_ONLY}` },
      { line: 3, column: 52, message: expect.stringContaining("steps[0] must be step({ name, run, rollback }) or an object literal, not the name `charge`") },
    ]);
  });

  test("step() in a plain script, or inside a step's code", () => {
    expect(problems(`${IMPORTS}step({ name: "x", run() {} });\n`)).toStrictEqual([
      { line: 2, column: 1, message: expect.stringContaining("call step only as an element") },
    ]);
    const nested = workflow("state: {},", 'steps: [{ name: "a", run() { return step({ name: "b", run() {} }); } }],');
    expect(problems(nested)).toStrictEqual([{ ...at(nested, 'step({ name: "b"'), message: expect.stringContaining("call step only as an element") }]);
  });

  test("step reached another way than by calling it", () => {
    const alias = `${IMPORTS}const s = step;\nexport default defineWorkflow({ state: {}, steps: [s({ name: "a", run() {} })] });\n`;
    expect(problems(alias)).toEqual([
      { line: 2, column: 11, message: expect.stringContaining("call step only as an element of defineWorkflow's steps") },
      { line: 3, column: 52, message: expect.stringContaining("steps[0] must be step({ name, run, rollback }) or an object literal, not a call") },
    ]);
    const computed = 'import * as cb from "chorebot";\nexport default cb.defineWorkflow({ state: {}, steps: [cb["step"]({ name: "a", run() {} })] });\n';
    expect(problems(computed).map((p) => [p.line, p.column])).toStrictEqual([
      [2, 55],
      [2, 55],
    ]);
  });

  test("a step() of the file's own, not the SDK's, is not read as a step", () => {
    const own =
      'import { defineWorkflow } from "chorebot";\nconst step = (s) => ({ ...s, name: "other" });\nexport default defineWorkflow({ state: {}, steps: [step({ name: "a", run() {} })] });\n';
    expect(problems(own)).toStrictEqual([
      { line: 3, column: 52, message: expect.stringContaining("steps[0] must be step({ name, run, rollback }) or an object literal, not a call") },
    ]);
  });

  test("a name that shadows the SDK's step in an inner scope is the author's own, not a use of the SDK", () => {
    const shadowed = workflow(
      "state: {},",
      'steps: [step({ name: "a", run() { const step = 1; return step; } }), step({ name: "b", run() { try {} catch (step) { return step; } } })],',
      'observers: [{ afterStep({ step, direction }) { if (step === "a") return direction; }, beforeStep: (event) => { for (const step of [event.step]) void step; } }],',
    );
    expect(read(shadowed)).toMatchObject({ problems: [], definition: { workflow: { steps: [{ name: "a" }, { name: "b" }] } } });
  });

  test("the SDK's step used where nothing shadows it, beside a scope that does, is still a problem", () => {
    const leaked = workflow("state: {},", 'steps: [step({ name: "a", run() { { const step = 1; void step; } return step; } })],');
    const returned = at(leaked, "return step");
    expect(problems(leaked)).toStrictEqual([
      { line: returned.line, column: returned.column + 7, message: expect.stringContaining("call step only as an element") },
    ]);
  });

  test("defineWorkflow called twice", () => {
    const source = `${IMPORTS}const other = defineWorkflow({ state: {}, steps: [] });\nexport default defineWorkflow({ state: {}, steps: [${step("a")}] });\n`;
    expect(problems(source)).toStrictEqual([
      { line: 2, column: 15, message: "defineWorkflow must be the default export: write `export default defineWorkflow({ … })`" },
      { line: 2, column: 50, message: expect.stringContaining("a workflow needs at least one step") },
      { line: 3, column: 16, message: "call defineWorkflow once per script (the first call is on line 2)" },
    ]);
  });

  test("defineScript and defineWorkflow in one file", () => {
    const source = `${IMPORTS}export default defineWorkflow({ state: {}, steps: [${step("a")}] });\nexport const x = defineScript({ run() {} });\n`;
    expect(problems(source)).toStrictEqual([
      { line: 3, column: 18, message: "a script has one definition: this defineScript comes after the defineWorkflow on line 2" },
    ]);
    const reversed = `${IMPORTS}const x = defineScript({ run() {} });\nexport default defineWorkflow({ state: {}, steps: [${step("a")}] });\n`;
    expect(problems(reversed).map((p) => p.message)).toStrictEqual([
      "defineScript must be the default export: write `export default defineScript({ … })`",
      "a script has one definition: this defineWorkflow comes after the defineScript on line 2",
    ]);
  });

  test("a second default export (a type may share the name)", () => {
    const source = `${IMPORTS}export default defineWorkflow({ state: {}, steps: [${step("a")}] });\nexport default defineScript({ run() {} });\n`;
    expect(problems(source)).toStrictEqual([
      { line: 3, column: 1, message: "a module has one default export: this is a second one (the first is on line 2)" },
      { line: 3, column: 16, message: "a script has one definition: this defineScript comes after the defineWorkflow on line 2" },
    ]);
    const other = `${IMPORTS}export default defineWorkflow({ state: {}, steps: [${step("a")}] });\nconst y = 1;\nexport { y as default };\n`;
    expect(problems(other)).toStrictEqual([{ line: 4, column: 10, message: "a module has one default export: this is a second one (the first is on line 2)" }]);
    const typed = `${IMPORTS}export default interface Moved { n: number }\nexport default defineWorkflow({ state: {}, steps: [${step("a")}] });\n`;
    expect(read(typed).problems).toStrictEqual([]);
  });

  test.each([
    ["exported by name", "export const flow = defineWorkflow({ state: {}, steps: [step({ name: 'a', run() {} })] });\n", 2, 21],
    ["exported later", "const flow = defineWorkflow({ state: {}, steps: [step({ name: 'a', run() {} })] });\nexport default flow;\n", 2, 14],
  ])("a defineWorkflow %s is not the default export", (_, body, line, column) => {
    expect(problems(`${IMPORTS}${body}`)).toStrictEqual([
      { line, column, message: "defineWorkflow must be the default export: write `export default defineWorkflow({ … })`" },
    ]);
  });

  test("defineWorkflow reached through an alias or a dynamic import", () => {
    expect(problems(`${IMPORTS}const d = defineWorkflow;\nexport default d({ state: {}, steps: [] });\n`)).toStrictEqual([
      { line: 2, column: 11, message: `call defineWorkflow only as \`export default defineWorkflow({ … })\`: ${LITERALS_ONLY}` },
    ]);
    expect(problems('const { defineWorkflow } = await import("chorebot");\nexport default defineWorkflow({ state: {}, steps: [] });\n')).toStrictEqual([
      { line: 1, column: 34, message: expect.stringContaining("import the SDK statically") },
    ]);
  });

  test("defineWorkflow of another package is none of chorebot's business", () => {
    expect(read('import { defineWorkflow, step } from "temporal-ish";\nexport default defineWorkflow({ steps: [step(x)] });\n')).toStrictEqual({
      definition: null,
      usesDefineScript: false,
      problems: [],
    });
  });
});
