import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import type { IterationReport } from "../../../src/run-types.js";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { runOptions } from "../../../src/runner/run-options.js";
import { runScript, type RunScriptOptions } from "../../../src/runner/run-script.js";
import type { BatchReport, IterationResumption } from "../../../src/sdk/protocol.js";

const SECRET = "sk-live-iteration-0123456789";
// Through the real SDK, read statically and bundled as the worker does: items 1..25 in batches of 5,
// each item printed, the cursor an object holding a secret (the checkpoint keeps it raw, records redact it).
const SOURCE = `
import { defineScript } from "chorebot";
export default defineScript({
  batchSize: 5,
  async *collection({ cursor }) {
    for (let id = (cursor?.id ?? 0) + 1; id <= 25; id++) yield { item: id, cursor: { id, token: process.env.ITER_TOKEN } };
  },
  process(item) {
    console.log(\`item \${item}\`);
  },
  count: () => 25,
});
`;

async function run(
  o: { pauseAt?: number; resume?: { resumption: IterationResumption; earlier: IterationReport }; onBatch?: RunScriptOptions["onBatch"] } = {},
) {
  const reading = readScriptDefinition(SOURCE, "scripts/it.ts");
  expect(reading.problems).toEqual([]);
  const bundled = await bundleScript({ entry: "scripts/it.ts", readFile: async (path) => (path === "scripts/it.ts" ? SOURCE : null) });
  if (!bundled.ok) throw new Error(bundled.message);
  const runner = {
    scriptCwd: tmpdir(),
    scriptEnv: ["ITER_TOKEN"],
    scriptEnvValues: [SECRET],
    timeoutMs: 20_000,
    outputLimit: 1024 * 1024,
    workflowStateLimit: 64 * 1024,
  };
  const options = runOptions({ runner, description: reading.definition, inputs: {}, env: { ...process.env, ITER_TOKEN: SECRET } });
  expect(options.iteration?.description).toMatchObject({ batchSize: 5, counted: true });
  const saved: BatchReport[] = [];
  const result = await runScript({
    code: bundled.code,
    ...options,
    ...(o.resume ? { iteration: { description: options.iteration!.description, earlier: o.resume.earlier }, resumeIteration: o.resume.resumption } : {}),
    onBatch:
      o.onBatch ??
      (async (batch) => {
        saved.push(batch);
        return { pause: batch.seq === o.pauseAt };
      }),
  });
  const items = result.output.lines.map((line) => line.text).filter((text) => text.startsWith("item"));
  return { result, saved, items };
}

describe("runScript and the SDK's iterations", () => {
  test("paused at batch 2, resumed from its raw checkpoint: every item once, none after the pause ack", async () => {
    const first = await run({ pauseAt: 2 });
    expect(first.result).toMatchObject({ status: "paused", exitCode: 0, message: "paused after item 10 (batch 2)" });
    // Nothing processed after the pause ack (item 11 was only looked at, to know batch 2 was not the last).
    expect(first.items).toEqual(Array.from({ length: 10 }, (_, i) => `item ${i + 1}`));
    const checkpoint = first.saved.at(-1)!;
    expect(checkpoint).toMatchObject({ seq: 2, done: 10, cursor: { id: 10, token: SECRET }, items: 5, last: false });
    const earlier = first.result.report!.iteration!;
    expect(earlier).toMatchObject({ paused: true, total: 25, checkpoint: { seq: 2, done: 10, cursor: '{"id":10,"token":"[REDACTED]"}' } });
    expect(JSON.stringify(first.result.report)).not.toContain(SECRET);

    const second = await run({ resume: { resumption: { seq: 2, done: 10, cursor: checkpoint.cursor }, earlier } });
    expect(second.result).toMatchObject({ status: "succeeded" });
    expect(second.items).toEqual(Array.from({ length: 15 }, (_, i) => `item ${i + 11}`));
    expect(second.saved.map(({ seq, done, last }) => `${seq} ${done}${last ? " last" : ""}`)).toEqual(["3 15", "4 20", "5 25 last"]);
    expect(second.result.report?.iteration).toMatchObject({ finished: true, resumedFrom: { seq: 2, done: 10 }, refused: 0, checkpoint: { seq: 5, done: 25 } });
  });

  test("a pause asked with the last batch comes too late: it finishes, and its log says so", async () => {
    const { result, items } = await run({ pauseAt: 5 });
    expect(result.status).toBe("succeeded");
    expect(items).toHaveLength(25);
    expect(result.report?.iteration).toMatchObject({ finished: true, paused: false });
    expect(result.report?.logs.map((log) => log.message)).toContainEqual(expect.stringContaining("too late"));
  });
});

describe("an iteration with nothing (more) to process", () => {
  test("a resume at the end of its collection finishes with an empty last batch instead of failing as stopped early", async () => {
    const first = await run();
    const earlier = first.result.report!.iteration!;
    const last = first.saved.at(-1)!;
    const again = await run({ resume: { resumption: { seq: last.seq, done: last.done, cursor: last.cursor }, earlier } });
    expect(again.items).toEqual([]);
    expect(again.saved).toMatchObject([{ seq: last.seq + 1, items: 0, done: 25, last: true }]);
    expect(again.result).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(again.result.report?.iteration).toMatchObject({ finished: true, refused: 0 });
  });
});
