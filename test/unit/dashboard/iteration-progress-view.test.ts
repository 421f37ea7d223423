import { describe, expect, it } from "vitest";
import { jobTitle } from "../../../src/dashboard/job-title.js";
import { progressView } from "../../../src/dashboard/progress-view.js";
import { iterationProgress } from "../../../src/pipeline/iteration-progress.js";
import { liveState, progressOf, type LiveState } from "../../../src/pipeline/live-state.js";
import { etaWords, iterationProgressLine } from "../../../src/runlog/iteration-words.js";
import type { ParkedRun } from "../../../src/stores/parked-runs.js";

const path = "chores/backfill.ts";
const T0 = Date.parse("2026-12-06T20:00:00Z");

/** 412 of 1,000 items in 10 s (41.2/s), batch 9 of 50 in flight: 588 left, about 14 s. */
function running(o: { pauseRequestedBy?: string; total?: number | null } = {}): LiveState {
  const total = o.total === undefined ? 1000 : o.total;
  const iteration = iterationProgress({
    batchSize: 50,
    total,
    start: { seq: 0, done: 0 },
    checkpoint: { seq: 8, done: 400, cursor: "400", at: "2026-12-06T20:00:09.000Z" },
    processed: 412,
    startedAtMs: T0,
    nowMs: T0 + 10_000,
    ...(o.pauseRequestedBy === undefined ? {} : { pauseRequestedBy: o.pauseRequestedBy }),
  });
  return JSON.parse(JSON.stringify({ ...liveState(1), ...progressOf(412, total), iteration })) as LiveState;
}

const parked = (over: Partial<ParkedRun>): ParkedRun => ({
  runId: "r",
  kind: "paused",
  owner: "acme",
  repo: "ops",
  chore: "backfill",
  since: "2026-12-06T20:01:00.000Z",
  attempt: 1,
  signal: null,
  step: null,
  deadline: null,
  pullRequest: null,
  requestedBy: "alice",
  approval: null,
  decision: null,
  ...over,
});

describe("an iteration on the dashboard", () => {
  it("says its items, the batch in flight and the ETA in one line", () => {
    expect(iterationProgressLine(running().iteration!)).toBe("412/1,000 items, batch 9 in flight, ETA 14 s");
    expect(iterationProgressLine(running({ total: null }).iteration!)).toBe("412 items, batch 9 in flight");
    expect(etaWords(3_600_000 + 5 * 60_000)).toBe("1 h 5 min");
    expect(etaWords(150_000)).toBe("3 min");
  });

  it("its job's Progress tab leads with that line, keeps the ring's percentage, and has the iteration's state", () => {
    const view = progressView(running({ pauseRequestedBy: "ana" })) as Record<string, unknown>;
    expect(view.summary).toBe("pause asked by ana: it stops after this batch · 412/1,000 items, batch 9 in flight, ETA 14 s");
    expect(view.progress).toBe(41);
    expect(view.iteration).toMatchObject({ done: 412, inFlight: { seq: 9, from: 401, items: 12 } });
  });

  it("its job's name says how far it is while it runs, and who paused it while paused", () => {
    expect(jobTitle("execute", { name: path, progress: running() })).toBe(`${path} — ▶ 412/1,000 items, batch 9 in flight, ETA 14 s`);
    expect(jobTitle("execute", { name: path, progress: running({ pauseRequestedBy: "ana" }) })).toBe(
      `${path} — ▶ 412/1,000 items, batch 9 in flight, ETA 14 s · pause asked by @ana`,
    );
    expect(jobTitle("execute", { name: path, progress: running({ pauseRequestedBy: "ana" }) }, parked({}))).toBe(
      `${path} — ⏸ paused by @ana: Resume on its page`,
    );
    expect(jobTitle("execute", { name: path, progress: liveState(1) }, parked({}))).toBe(`${path} — ⏸ paused: Resume on its page`);
  });

  it("an interrupted or failed iteration's name says Resume goes on from the checkpoint, with no Roll back", () => {
    expect(jobTitle("execute", { name: path }, parked({ kind: "interrupted" }))).toBe(
      `${path} — ⏸ interrupted: Resume on its page goes on from the last checkpoint`,
    );
    expect(jobTitle("execute", { name: path }, parked({ kind: "interrupted", failure: "item 137 threw:\nboom" }))).toBe(
      `${path} — ⏸ failed (item 137 threw: boom): Resume on its page goes on from the last checkpoint`,
    );
  });
});
