import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import type { IterationReport, RunDecision } from "../../../src/run-types.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { runLogInput } from "../runlog/run-log-fixture.js";
import { parkedRecord } from "../../helpers/parked-record.js";

const PREFIX = "{iteration-history}";
const AT = "2026-11-03T10:00:01.000Z";

const finished: IterationReport = {
  batchSize: 50,
  total: 1000,
  checkpoint: { seq: 20, done: 1000, cursor: "1000", at: AT },
  inFlight: null,
  resumedFrom: { seq: 3, done: 150 },
  paused: false,
  finished: true,
  refused: 0,
};

function parkInit(runId: string, kind: "paused" | "interrupted", since: string): ParkInit {
  return parkedRecord(runId, { kind, repo: "app", since });
}

function iterationHistory(decisions: RunDecision[]): string {
  const input = runLogInput({ status: "succeeded" });
  input.execution.report = {
    inputs: null,
    counters: {},
    progress: null,
    result: undefined,
    failReason: null,
    logs: [],
    droppedLogs: 0,
    rejectedLines: 0,
    iteration: finished,
  };
  input.execution.decisions = decisions;
  const text = renderRunLog(input);
  const start = text.indexOf("### Pauses, resumes and interruptions");
  expect(start).toBeGreaterThan(0);
  return text.slice(start, text.indexOf("\n## ", start));
}

// The decisions are all the log's history has: a pause asked, then a Resume, read as "it paused
// after its batch in flight … resumed: it went on from its checkpoint", even when the worker was
// lost before that checkpoint, so the run never paused: it was interrupted, and the Resume
// answered the interruption.
describe("a run log's pause/resume/interruption history, through the real decider", () => {
  let redis: TestRedis;
  let client: Redis;
  let parked: ParkedRuns;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis({ host: "127.0.0.1", port: redis.port });
    parked = new ParkedRuns(client, PREFIX);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it("pause asked → worker lost before its checkpoint → Resume → finished: says it never paused, and that the Resume went on after an interruption", async () => {
    const runId = "run-pause-then-lost";
    expect((await parked.requestPause(runId, { kind: "pause", by: "alice", via: "page", at: "2026-11-03T10:00:00.100Z" })).ok).toBe(true);
    await parked.park(parkInit(runId, "interrupted", "2026-11-03T10:00:00.200Z"));
    expect((await parked.decide(runId, { kind: "resume", by: "bob", via: "api", at: "2026-11-03T10:00:00.300Z" })).ok).toBe(true);

    const history = iterationHistory(await parked.decisions(runId));
    expect(history).not.toContain("it paused after its batch in flight");
    expect(history).toContain("so it never paused");
    expect(history).toMatch(/Interrupted, then resumed by @bob .*: it went on from its last checkpoint\./);
  });

  it("pause → Resume → lost → Resume → finished reads in that order", async () => {
    const runId = "run-pause-resume-lost-resume";
    expect((await parked.requestPause(runId, { kind: "pause", by: "alice", via: "page", at: "2026-11-03T10:00:00.100Z" })).ok).toBe(true);
    await parked.park(parkInit(runId, "paused", "2026-11-03T10:00:00.200Z"));
    await parked.clearPauseRequest(runId);
    expect((await parked.decide(runId, { kind: "resume", by: "bob", via: "page", at: "2026-11-03T10:00:00.300Z" })).ok).toBe(true);
    await parked.clear(runId);
    await parked.park(parkInit(runId, "interrupted", "2026-11-03T10:00:00.400Z"));
    expect((await parked.decide(runId, { kind: "resume", by: "carol", via: "cli", at: "2026-11-03T10:00:00.500Z" })).ok).toBe(true);

    const lines = iterationHistory(await parked.decisions(runId))
      .split("\n")
      .filter((line) => /^\d+\. /.test(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^1\. Asked to pause by @alice .*: it paused after its batch in flight, its checkpoint kept\.$/);
    expect(lines[1]).toMatch(/^2\. Resumed by @bob .*: it went on from its checkpoint\.$/);
    expect(lines[2]).toMatch(/^3\. Interrupted, then resumed by @carol .*: it went on from its last checkpoint\.$/);
  });
});
