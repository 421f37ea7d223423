import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IterationReport } from "../../../src/run-types.js";
import { ExecutionLedger, type Checkpoint } from "../../../src/stores/execution-ledger.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{iteration-checkpoints-test}";

const checkpoint = (seq: number): Checkpoint => ({ seq, done: seq * 10, cursor: { id: seq * 10 }, at: new Date(Date.UTC(2026, 11, 1, 10, seq)).toISOString() });
const report = (seq: number): IterationReport => ({
  batchSize: 10,
  total: null,
  checkpoint: { seq, done: seq * 10, cursor: JSON.stringify({ id: seq * 10 }), at: checkpoint(seq).at },
  inFlight: null,
  resumedFrom: null,
  paused: false,
  finished: false,
  refused: 0,
});

describe("ExecutionLedger's iteration checkpoints", () => {
  let server: TestRedis;
  let redis: Redis;
  let ledger: ExecutionLedger;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port });
    ledger = new ExecutionLedger(redis, PREFIX);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("keeps the raw cursor of the latest batch, and each save replaces the one before", async () => {
    await ledger.saveCheckpoint("run-a", 1, checkpoint(1), report(1));
    await ledger.saveCheckpoint("run-a", 1, checkpoint(2), report(2));
    expect((await ledger.read("run-a")).iteration).toEqual({ attempt: 1, checkpoint: checkpoint(2), report: report(2) });
  });

  it("never moves back: a save retried after a Resume's attempt checkpointed further is dropped", async () => {
    // Attempt 1's save of batch 4 was refused by Redis and retried in the background; meanwhile its run
    // was interrupted at batch 3 and a person's Resume (attempt 2) checkpointed batch 4 and 5.
    await ledger.saveCheckpoint("run-b", 1, checkpoint(3), report(3));
    await ledger.saveCheckpoint("run-b", 2, checkpoint(4), report(4));
    await ledger.saveCheckpoint("run-b", 2, checkpoint(5), report(5));
    await ledger.saveCheckpoint("run-b", 1, checkpoint(4), report(4));
    expect((await ledger.read("run-b")).iteration).toMatchObject({ attempt: 2, checkpoint: { seq: 5 } });
    // Within one attempt (a pause keeps it), an older batch's late save is dropped too; the same batch saved again is harmless.
    await ledger.saveCheckpoint("run-b", 2, checkpoint(4), report(4));
    await ledger.saveCheckpoint("run-b", 2, checkpoint(5), report(5));
    expect((await ledger.read("run-b")).iteration).toMatchObject({ attempt: 2, checkpoint: { seq: 5 } });
  });
});
