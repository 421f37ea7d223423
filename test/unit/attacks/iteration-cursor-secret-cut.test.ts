import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { runOptions } from "../../../src/runner/run-options.js";
import { runScript } from "../../../src/runner/run-script.js";

const SECRET = "sk-live-iteration-0123456789";
// 60 characters of JSON before the secret: a cut at 77 characters would show its first 17.
const PREFIX = "https://api.example.com/v2/items?page=2&access_token=";

// The SDK cut a cursor (or a yielded string) to 77 characters in its failure messages BEFORE the
// runner could redact it: a secret straddling the cut was shown in part (its first characters),
// in the run's message, fail reason and log, since the redactor only knows whole secrets.
async function failureOf(yielded: string): Promise<string> {
  const source = `
import { defineScript } from "chorebot";
export default defineScript({
  async *collection() {
    const next = ${JSON.stringify(PREFIX)} + process.env.ITER_TOKEN;
    ${yielded}
  },
  process() {},
});
`;
  const reading = readScriptDefinition(source, "scripts/it.ts");
  expect(reading.problems).toEqual([]);
  const bundled = await bundleScript({ entry: "scripts/it.ts", readFile: async (path) => (path === "scripts/it.ts" ? source : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  const runner = {
    scriptCwd: tmpdir(),
    scriptEnv: ["ITER_TOKEN"],
    scriptEnvValues: [SECRET],
    timeoutMs: 20_000,
    outputLimit: 1 << 20,
    workflowStateLimit: 1 << 16,
  };
  const options = runOptions({ runner, description: reading.definition, inputs: {}, env: { ...process.env, ITER_TOKEN: SECRET } });
  const result = await runScript({ code: bundled.code, ...options, onBatch: async () => ({ pause: false }) });
  expect(result.status).toBe("failed");
  return JSON.stringify(result);
}

describe("a cursor holding a secret, in an iteration's failure message", () => {
  test("a cursor that does not advance: no part of the secret is shown", async () => {
    const shown = await failureOf(`yield { item: 1, cursor: { next } }; yield { item: 2, cursor: { next } };`);
    expect(shown).toContain("does not advance");
    expect(shown).not.toContain(SECRET.slice(0, 10));
  });

  test("a collection that yields the string itself: no part of the secret is shown", async () => {
    const shown = await failureOf(`yield next;`);
    expect(shown).toContain("the collection yielded");
    expect(shown).not.toContain(SECRET.slice(0, 10));
  });
});
