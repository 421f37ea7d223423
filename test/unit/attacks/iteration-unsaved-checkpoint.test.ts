import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { bundleScript } from "../../../src/runner/bundle-script.js";
import { runOptions } from "../../../src/runner/run-options.js";
import { runScript } from "../../../src/runner/run-script.js";
import type { BatchReport } from "../../../src/sdk/protocol.js";

// A batch whose checkpoint could not be saved (Redis refused it longer than the worker retries)
// is not acked: the script waits, and the run ends by its timeout. Its record still said that
// batch was the last checkpoint, while the ledger (where Resume goes on from) had the one
// before: the log promised "Resume retries from item 11" and the Resume processed items 6-10 again.
const SOURCE = `
import { defineScript } from "chorebot";
export default defineScript({
  batchSize: 5,
  async *collection({ cursor }) {
    for (let id = (cursor ?? 0) + 1; id <= 20; id++) yield { item: id, cursor: id };
  },
  process() {},
});
`;

describe("a batch whose checkpoint could not be saved", () => {
  test("is not the record's last checkpoint: that stays the last one saved", async () => {
    const reading = readScriptDefinition(SOURCE, "scripts/it.ts");
    expect(reading.problems).toEqual([]);
    const bundled = await bundleScript({ entry: "scripts/it.ts", readFile: async (path) => (path === "scripts/it.ts" ? SOURCE : null) });
    if (!bundled.ok) throw new Error(bundled.message);
    const runner = { scriptCwd: tmpdir(), scriptEnv: [], scriptEnvValues: [], timeoutMs: 1_500, outputLimit: 1 << 20, workflowStateLimit: 1 << 16 };
    const options = runOptions({ runner, description: reading.definition, inputs: {}, env: { ...process.env } });
    const saved: BatchReport[] = [];
    const result = await runScript({
      code: bundled.code,
      ...options,
      killGraceMs: 500,
      onBatch: async (batch) => {
        if (batch.seq === 2) throw new Error("OOM command not allowed when used memory > 'maxmemory'");
        saved.push(batch);
        return { pause: false };
      },
    });
    expect(result.status).toBe("timed_out");
    expect(saved.map((batch) => batch.seq)).toEqual([1]);
    expect(result.report?.iteration?.checkpoint).toMatchObject({ seq: 1, done: 5 });
    // Its items were processed, not checkpointed: the batch in flight, as far as the record knows.
    expect(result.report?.iteration?.inFlight).toMatchObject({ seq: 2, from: 6 });
  });
});
