import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { csvRows } from "../../../src/sdk/csv-rows.js";
import { defineScript, describeScript } from "../../../src/sdk/define-script.js";
import { file, int } from "../../../src/sdk/inputs.js";

const SDK = { defineScript, csvRows, file, int };
const sourceOf = (definition: string, prelude = "") =>
  `import { defineScript, csvRows, file, int } from "chorebot";\n${prelude}export default defineScript(${definition});\n`;

/** The definition as the SDK describes it at run time: the same text, evaluated with the real SDK (or what it throws). */
function atRuntime(definition: string): ReturnType<typeof describeScript> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the definition's text is the point
  const build = new Function(...Object.keys(SDK), `return defineScript(${definition});`) as (...sdk: unknown[]) => Parameters<typeof describeScript>[0];
  return describeScript(build(...Object.values(SDK)));
}

function at(source: string, snippet: string): { line: number; column: number } {
  const before = source.slice(0, source.indexOf(snippet)).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

const GEN = "async *collection({ cursor }) { yield { item: 1, cursor: (cursor ?? 0) + 1 }; }";

describe("read-iteration agrees with describeScript", () => {
  test.each([
    ["the defaults", `{\n  ${GEN},\n  process(item) {},\n}`, { batchSize: 100, pauseMs: 0, counted: false, csv: null }],
    [
      "batch size, pause and count",
      `{\n  ${GEN},\n  process(item) {},\n  batchSize: 50,\n  pause: "2s",\n  count: () => 10,\n}`,
      { batchSize: 50, pauseMs: 2000, counted: true, csv: null },
    ],
    [
      "a pause in seconds, the largest batch",
      `{\n  ${GEN},\n  process() {},\n  batchSize: 10000,\n  pause: 3600,\n}`,
      { batchSize: 10_000, pauseMs: 3_600_000, counted: false, csv: null },
    ],
    [
      "a CSV file input",
      `{\n  inputs: { codes: file() },\n  collection: csvRows("codes"),\n  process(row) {},\n  batchSize: 500,\n}`,
      { batchSize: 500, pauseMs: 0, counted: true, csv: "codes" },
    ],
  ])("%s", (_, definition, expected) => {
    const reading = readScriptDefinition(sourceOf(definition), "chores/x.ts");
    expect(reading.problems).toEqual([]);
    expect(reading.definition?.iteration).toEqual(expected);
    expect(reading.definition).toEqual(atRuntime(definition));
  });

  test("a plain script's iteration is null, as describeScript has it", () => {
    const reading = readScriptDefinition(sourceOf("{ run() {} }"), "chores/x.ts");
    expect(reading.definition?.iteration).toBeNull();
    expect(atRuntime("{ run() {} }").iteration).toBeNull();
  });

  test.each([
    ["batchSize 0", `{ ${GEN}, process() {}, batchSize: 0 }`, "0 }", "batchSize must be a whole number from 1 to 10,000"],
    ["batchSize 10001", `{ ${GEN}, process() {}, batchSize: 10001 }`, "10001", "batchSize must be a whole number from 1 to 10,000"],
    ["batchSize 1.5", `{ ${GEN}, process() {}, batchSize: 1.5 }`, "1.5", "batchSize must be a whole number"],
    ["a pause over an hour", `{ ${GEN}, process() {}, pause: "2h" }`, '"2h"', "is longer than the longest pause between batches, 1h"],
    ["a bad pause", `{ ${GEN}, process() {}, pause: "soon" }`, '"soon"', "pause: invalid duration"],
    ["count not a function", `{ ${GEN}, process() {}, count: 10 }`, "10 }", "count must be a function"],
    ["no process", `{ ${GEN} }`, "{ async", "needs `process`"],
    ["run and collection", `{ ${GEN}, process() {}, run() {} }`, "{ async", "either `run` (a script) or `collection` and `process` (an iteration), not both"],
    ["a CSV input not declared", `{ collection: csvRows("codes"), process() {} }`, '"codes"', 'csvRows("codes") reads the file input "codes": declare it'],
    [
      "a CSV input that is no file",
      `{ inputs: { codes: int() }, collection: csvRows("codes"), process() {} }`,
      '"codes"',
      "declare it, inputs: { codes: file() }",
    ],
  ])("%s: a problem at its line, and defineScript refuses it too", (_, definition, snippet, message) => {
    const source = sourceOf(definition);
    const { problems, definition: read } = readScriptDefinition(source, "chores/x.ts");
    expect(read).toBeNull();
    expect(problems).toContainEqual({ ...at(source, snippet), message: expect.stringContaining(message) as string });
    expect(() => atRuntime(definition)).toThrow(message.replace(/^.*?: /, "").slice(0, 30));
  });

  test("batchSize on a script with run is refused by both", () => {
    const definition = "{ run() {}, batchSize: 5 }";
    const { problems } = readScriptDefinition(sourceOf(definition), "chores/x.ts");
    expect(problems.map((p) => p.message)).toEqual(["`batchSize` is an iteration's option: give `collection` and `process` instead of `run`"]);
    expect(() => atRuntime(definition)).toThrow("`batchSize` is an iteration's option");
  });

  test("a value that is not a literal is a problem at it", () => {
    const source = sourceOf(`{ ${GEN}, process() {}, batchSize: N }`, "const N = 5;\n");
    expect(readScriptDefinition(source, "chores/x.ts").problems).toEqual([
      { ...at(source, "N }"), message: expect.stringContaining("batchSize must be a literal") as string },
    ]);
  });

  test("csvRows anywhere but as the collection is a problem (the CSV it reads could not be shown)", () => {
    const source = sourceOf(`{ inputs: { codes: file() }, collection: rows, process() {} }`, 'const rows = csvRows("codes");\n');
    const { problems } = readScriptDefinition(source, "chores/x.ts");
    expect(problems).toEqual([{ ...at(source, "csvRows("), message: expect.stringContaining("call csvRows only as an iteration's collection") as string }]);
  });

  test("csvRows with a name that is not a literal", () => {
    const source = sourceOf(`{ inputs: { codes: file() }, collection: csvRows(NAME), process() {} }`, 'const NAME = "codes";\n');
    const { problems } = readScriptDefinition(source, "chores/x.ts");
    expect(problems).toEqual([{ ...at(source, "NAME)"), message: expect.stringContaining("csvRows's input must be a literal") as string }]);
  });
});
