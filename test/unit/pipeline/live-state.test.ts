import { describe, expect, it } from "vitest";
import { liveState, progressOf, readLiveState, writeLiveState, type LiveState } from "../../../src/pipeline/live-state.js";

/** What a job's progress reads back as after Redis: the JSON BullMQ stored. */
async function roundTrip(state: LiveState): Promise<unknown> {
  let stored = "";
  await writeLiveState({ updateProgress: async (progress) => void (stored = JSON.stringify(progress)) }, state);
  return JSON.parse(stored) as unknown;
}

describe("live state", () => {
  it("reads back what was written", async () => {
    const state: LiveState = { ...liveState(2), ...progressOf(3, 4), counters: { rows: 3, "a, b=c": -1.5 }, logLines: 12, cancelledBy: "dave" };
    expect(readLiveState(await roundTrip(state))).toEqual(state);
    expect(readLiveState(await roundTrip({ ...liveState(1), waiting: "self lock held by run-a#1" }))).toEqual({
      ...liveState(1),
      waiting: "self lock held by run-a#1",
    });
  });

  it("has a `waiting` key only while the run waits: the previous release counts any as a lock wait", async () => {
    expect(await roundTrip(liveState(1))).not.toHaveProperty("waiting");
    expect(await roundTrip({ ...liveState(1), ...progressOf(1, 2) })).not.toHaveProperty("waiting");
  });

  it("keeps the number Bull Board draws its ring from in `progress`", async () => {
    // Bull Board 9.10: a number, or an object's numeric `progress`; the Progress tab shows the whole object.
    expect(await roundTrip({ ...liveState(1), ...progressOf(1, 4) })).toMatchObject({ progress: 25, done: 1, total: 4, percent: 25 });
  });

  it("shows the percentage when there is a total, else the count done", () => {
    expect(progressOf(3, 4)).toEqual({ progress: 75, done: 3, total: 4, percent: 75 });
    expect(progressOf(12, null)).toEqual({ progress: 12, done: 12, total: null, percent: null });
    expect(progressOf(12, 0)).toEqual({ progress: 12, done: 12, total: 0, percent: null });
  });

  it("reads what the previous release wrote: a bare number, or `{ waiting }`", () => {
    expect(readLiveState(40)).toEqual({ ...liveState(null), progress: 40 });
    expect(readLiveState({ waiting: "self lock held by run-a#1" })).toEqual({ ...liveState(null), waiting: "self lock held by run-a#1" });
  });

  it("reads no progress at all as an empty state: BullMQ's default 0, nothing, or something else", () => {
    for (const progress of [0, undefined, null, NaN, "40", true, [1, 2]]) expect(readLiveState(progress)).toEqual(liveState(null));
  });

  it("leaves a malformed field at its empty value and keeps the rest", () => {
    const state = readLiveState({
      attempt: 1.5,
      progress: "40",
      done: 4,
      total: null,
      percent: Infinity,
      counters: { rows: 3, bad: "[REDACTED]", worse: null },
      logLines: -1,
      waiting: 7,
      cancelledBy: "erin",
      unknown: "ignored",
    });
    expect(state).toEqual({ ...liveState(null), done: 4, counters: { rows: 3 }, cancelledBy: "erin" });
    expect(readLiveState({ counters: [1, 2] }).counters).toEqual({});
  });
});
