import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideRun } from "../../../src/pipeline/decide-run.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { MAX_SIGNAL_PAYLOAD_BYTES } from "../../../src/sdk/protocol.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{decide-deep-payload}";

/** `[[[…]]]`, `depth` arrays deep: two bytes a level, far below the payload's byte limit. */
const text = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nested = (depth: number): unknown => JSON.parse(text(depth));

// The byte limit says what a signal may carry; a payload within it must also reach the step. A
// few kilobytes of `[[[[…` nest thousands deep: JSON.stringify (decideRun's own size check, the
// worker's delivery) overflows the stack past ~4,000 levels, and the step's waitFor copies its
// payload with structuredClone, which overflows past ~3,000. Such a payload must be refused with
// a clear answer, nothing delivered, not thrown (a 503 "GitHub or Redis did not answer") or taken
// and then undeliverable.
describe("attack: a signal payload nested thousands deep, within the byte limit", () => {
  let server: TestRedis;
  let redis: Redis;
  let execute: Queue;
  let parked: ParkedRuns;

  async function waitingRun(): Promise<string> {
    const runId = `run-${randomUUID()}`;
    await execute.add("execute", { runId }, { jobId: executeJobId(runId), delay: 3_600_000 });
    await parked.park({
      runId,
      kind: "waiting",
      owner: "acme",
      repo: "ops",
      chore: "deploy",
      since: new Date().toISOString(),
      attempt: 1,
      signal: "go",
      step: "ship",
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
    });
    return runId;
  }

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    execute = new Queue("execute", { connection: redis, prefix: PREFIX });
    parked = new ParkedRuns(redis, PREFIX);
  });
  afterAll(async () => {
    await execute?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it.each([3_500, 20_000])("refuses a payload %i levels deep with a clear answer, and delivers nothing", async (depth) => {
    expect(text(depth).length).toBeLessThan(MAX_SIGNAL_PAYLOAD_BYTES);
    const runId = await waitingRun();
    const answer = await decideRun({ parked, execute }, runId, { kind: "signal", signal: "go", payload: nested(depth) }, { by: "bob", via: "api" });
    expect(answer).toMatchObject({ ok: false, status: 413, refusal: "payload_too_large" });
    expect(answer.ok ? "" : answer.message).toMatch(/nested/);
    expect((await parked.read(runId))?.decision).toBeNull();
    expect(await parked.payload(runId)).toBeNull();
    expect(await parked.decisions(runId)).toEqual([]);
  });

  it("takes a payload of ordinary depth, objects and arrays mixed", async () => {
    const runId = await waitingRun();
    let payload: unknown = { ok: true };
    for (let level = 0; level < 30; level += 1) payload = level % 2 === 0 ? [payload] : { inner: payload };
    const answer = await decideRun({ parked, execute }, runId, { kind: "signal", signal: "go", payload }, { by: "bob", via: "api" });
    expect(answer).toMatchObject({ ok: true, moves: true });
    expect(await parked.payload(runId)).toEqual(payload);
  });
});
