import { describe, expect, it } from "vitest";
import type { LiveRunView } from "../../../../src/chores/live/live-run-view.js";
import {
  cursorId,
  cursorOf,
  isOver,
  MAX_LINE_CHARS,
  outputAfter,
  parseCursor,
  runEvents,
  stateOf,
  type StreamMemory,
} from "../../../../src/chores/live/run-events.js";
import { formatEvent } from "../../../../src/chores/live/sse-format.js";
import { runView } from "../chores-fixtures.js";

type Line = NonNullable<LiveRunView["output"]>[number];
const out = (t: number, text: string, stream: Line["stream"] = "stdout"): Line => ({ t, stream, text });
const running = (output: Line[], o: Partial<LiveRunView> = {}): LiveRunView =>
  runView({ status: "running", finished_at: null, duration_ms: null, output, attempt: 1, ...o });
const texts = (lines: { text: string }[]) => lines.map((line) => line.text);

describe("the live run's cursor", () => {
  it("round-trips through its id, and refuses anything else", () => {
    const cursor = { attempt: 2, recorded: true, t: 1500, k: 3 };
    expect(cursorId(cursor)).toBe("2-r-1500-3");
    expect(parseCursor("2-r-1500-3")).toEqual(cursor);
    expect(parseCursor("1-l--1-0")).toEqual({ attempt: 1, recorded: false, t: -1, k: 0 });
    for (const id of [undefined, null, "", "0-l-1-1", "1-x-1-1", "1-l-1", "1-l-1-1\n", "1-l-1e3-1", "1-l-1-1-1", "<script>"])
      expect(parseCursor(id), String(id)).toBeNull();
  });

  it("stands at the last line and counts the lines of its millisecond", () => {
    expect(cursorOf(running([out(1, "a"), out(5, "b"), out(5, "c")]))).toEqual({ attempt: 1, recorded: false, t: 5, k: 2 });
    expect(cursorOf(running([]))).toEqual({ attempt: 1, recorded: false, t: -1, k: 0 });
    expect(cursorOf(runView({ status: "recording", output: [out(9, "x")] }))).toEqual({ attempt: 1, recorded: true, t: 9, k: 1 });
  });
});

describe("outputAfter", () => {
  it("sends only the lines after the cursor as the bounded tail slides on, none twice, none lost", () => {
    // A live tail of 3 lines, polled while the script prints a line at a time (two in one millisecond).
    const printed = [out(1, "one"), out(2, "two"), out(2, "two again"), out(4, "four"), out(7, "seven"), out(9, "nine")];
    let cursor = null as ReturnType<typeof outputAfter>["cursor"] | null;
    const seen: string[] = [];
    for (let n = 1; n <= printed.length; n++) {
      const step = outputAfter(cursor, running(printed.slice(Math.max(0, n - 3), n)));
      seen.push(...texts(step.lines));
      cursor = step.cursor;
    }
    expect(seen).toEqual(texts(printed));
  });

  it("sends nothing when nothing is new, and keeps its cursor when the tail empties", () => {
    const view = running([out(1, "a"), out(2, "b")]);
    const cursor = cursorOf(view);
    expect(outputAfter(cursor, view)).toEqual({ lines: [], replace: false, cursor });
    expect(outputAfter(cursor, running([])).cursor).toEqual(cursor);
  });

  it("replaces everything for a page with nothing, another attempt, or when the record takes over from the live tail", () => {
    const live = running([out(1, "a"), out(8, "b")]);
    expect(outputAfter(null, live).replace).toBe(true);
    const retry = outputAfter(cursorOf(live), running([out(0, "again")], { attempt: 2 }));
    expect(retry).toMatchObject({ replace: true, cursor: { attempt: 2 } });
    expect(texts(retry.lines)).toEqual(["again"]);
    // The record merges log() lines in by time, before the live cursor too: the page takes it whole.
    const recorded = outputAfter(cursorOf(live), runView({ status: "succeeded", output: [out(1, "a"), out(3, "noted", "log"), out(8, "b")] }));
    expect(recorded.replace).toBe(true);
    expect(texts(recorded.lines)).toEqual(["a", "noted", "b"]);
  });

  it("strips terminal escapes, keeps HTML as text (the client puts it in with textContent) and clips a very long line first", () => {
    const [line] = outputAfter(null, running([out(1234, "\u001b[31m<b>red</b>\u001b[0m\u001b]0;title\u0007")])).lines;
    expect(line).toEqual({ at: "+1.234s", stream: "stdout", text: "<b>red</b>" });
    // A record of 200 lines of the runner's longest (16 KiB): clipped before stripping, well under the 38 s they would take whole.
    const long = running(Array.from({ length: 200 }, (_, i) => out(i, "x".repeat(16 * 1024))));
    const started = performance.now();
    const lines = outputAfter(null, long).lines;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(lines[0]!.text).toBe(`${"x".repeat(MAX_LINE_CHARS)}…`);
  });
});

describe("runEvents", () => {
  it("says the whole state first, then only what changed, each event carrying the cursor's id", () => {
    let memory: StreamMemory = { cursor: null, state: null };
    const first = runEvents(memory, running([out(1, "a")], { progress: 10 }));
    expect(first.events.map((e) => e.event)).toEqual(["state", "output"]);
    expect(first.events[0]!.data).toMatchObject({ status: "running", final: false, progress: 10, log: null });
    expect(first.events.every((e) => e.id === "1-l-1-1")).toBe(true);
    memory = first.memory;

    expect(runEvents(memory, running([out(1, "a")], { progress: 10 })).events).toEqual([]);

    const next = runEvents(memory, running([out(1, "a"), out(2, "b")], { progress: 20, counters: { done: 2 } }));
    expect(next.events).toEqual([
      { event: "state", id: "1-l-2-1", data: { progress: 20, counters: [["done", "2"]] } },
      { event: "output", id: "1-l-2-1", data: { replace: false, lines: [{ at: "+0.002s", stream: "stdout", text: "b" }] } },
    ]);
  });

  it("resumes from a reconnect's cursor without repeating lines, with the state whole again", () => {
    const view = running([out(1, "a"), out(2, "b"), out(3, "c")]);
    const { events } = runEvents({ cursor: parseCursor("1-l-2-1"), state: null }, view);
    expect(events.map((e) => e.event)).toEqual(["state", "output"]);
    expect(events[1]!.data).toEqual({ replace: false, lines: [{ at: "+0.003s", stream: "stdout", text: "c" }] });
  });

  it("is over once the status is final and the log landed", () => {
    const done = runView({ status: "succeeded" });
    expect(isOver(stateOf(done))).toBe(false);
    expect(isOver(stateOf(runView({ status: "succeeded", log: { path: "logs/x.md", commit: "c".repeat(40), url: null } })))).toBe(true);
    expect(isOver(stateOf(running([])))).toBe(false);
  });

  it("shows the progress total when the view has it, and a log link only to an http(s) address", () => {
    expect(stateOf(running([], { progress: 25, progress_done: 5, progress_total: 20 }))).toMatchObject({ progress: 25, done: 5, total: 20 });
    expect(stateOf(running([], { progress: 5, progress_done: 5, progress_total: null }))).toMatchObject({ done: 5, total: null });
    const log = { path: "logs/x.md", commit: "c".repeat(40), url: "javascript:alert(1)" };
    expect(stateOf(runView({ log })).log).toEqual({ path: "logs/x.md", commit: "ccccccc", url: null });
  });

  it("puts the data on one line of JSON, so no output can end an event or forge one", () => {
    const { events } = runEvents({ cursor: null, state: null }, running([out(1, "a\n\ndata: {}\r\nevent: end\n\nid: 9")]));
    const text = events.map(formatEvent).join("");
    expect(text.split("\n\n").filter(Boolean)).toHaveLength(2);
    expect(text).not.toMatch(/^event: end/m);
  });
});
