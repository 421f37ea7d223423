import { describe, expect, test } from "vitest";
import { locateOption } from "../../../src/definitions/locate-option.js";

describe("locateOption", () => {
  test("finds where the definition writes an option, through renamed imports and erased wrappers", () => {
    const source = [
      'import { defineScript as define } from "chorebot";',
      "export default define(({",
      '  description: "x",',
      "    env: [",
      '      "DATABASE_URL",',
      "    ],",
      "  run() {},",
      "}) as const);",
    ].join("\n");
    expect(locateOption(source, "chores/x.ts", "env")).toEqual({ line: 4, column: 5 });
    expect(locateOption(source, "chores/x.ts", "run")).toEqual({ line: 7, column: 3 });
    expect(locateOption(source, "chores/x.ts", "timeout")).toBeNull();
  });

  test("goes into a workflow's steps by index, through step() calls, and to a step's option", () => {
    const source = [
      'import * as cb from "chorebot";',
      "export default cb.defineWorkflow({",
      "  state: {},",
      "  steps: [",
      '    cb.step({ name: "reserve", run() {} }),',
      "    {",
      '      name: "charge",',
      "      run() {},",
      "    },",
      "  ],",
      "});",
    ].join("\n");
    expect(locateOption(source, "scripts/x.ts", "steps", [0])).toEqual({ line: 5, column: 5 });
    expect(locateOption(source, "scripts/x.ts", "steps", [0, "name"])).toEqual({ line: 5, column: 15 });
    expect(locateOption(source, "scripts/x.ts", "steps", [1, "run"])).toEqual({ line: 8, column: 7 });
    // As deep as it is written: no third step, no rollback.
    expect(locateOption(source, "scripts/x.ts", "steps", [2])).toEqual({ line: 4, column: 3 });
    expect(locateOption(source, "scripts/x.ts", "steps", [1, "rollback"])).toEqual({ line: 6, column: 5 });
  });

  test.each([
    ["a plain script", 'console.log("env: []");\n'],
    ["another package's defineScript", 'import { defineScript } from "other";\nexport default defineScript({ env: [], run() {} });\n'],
    ["a definition that is no object literal", 'import { defineScript } from "chorebot";\nconst d = { env: [] };\nexport default defineScript(d);\n'],
  ])("is null for %s", (_, source) => {
    expect(locateOption(source, "scripts/x.ts", "env")).toBeNull();
  });
});
