import { describe, expect, it } from "vitest";
import { eventPrinter, followRun, FollowRefused } from "../../../src/bin/follow-run.js";
import { formatEvent } from "../../../src/chores/live/sse-format.js";

const line = (at: string, text: string, stream = "stdout") => ({ at, stream, text });

describe("eventPrinter", () => {
  it("prints status and progress changes once, and each output line once even when the record replaces the live tail", () => {
    const printed: string[] = [];
    const onEvent = eventPrinter((text) => printed.push(text));
    const send = (event: string, data: unknown) => onEvent({ event, data: JSON.stringify(data), id: null });
    send("state", { status: "running", final: false, done: 1, total: 4 });
    send("state", { done: 1, total: 4 });
    send("output", { replace: true, lines: [line("+0.1s", "first"), line("+0.2s", "same"), line("+0.2s", "same")] });
    send("output", { replace: false, lines: [line("+0.3s", "oops", "stderr")] });
    send("state", { status: "succeeded", final: true, done: 4, total: 4 });
    // The record: the lines already printed, plus a log() line merged in.
    send("output", {
      replace: true,
      lines: [line("+0.1s", "first"), line("+0.15s", "unlocked", "log"), line("+0.2s", "same"), line("+0.2s", "same"), line("+0.3s", "oops", "stderr")],
    });
    send("state", { status: "bogus-json" });
    onEvent({ event: "state", data: "{not json", id: null });
    expect(printed).toEqual([
      "status: running",
      "progress: 1 of 4",
      "  +0.1s first",
      "  +0.2s same",
      "  +0.2s same",
      "  +0.3s err: oops",
      "status: succeeded",
      "progress: 4 of 4",
      "  +0.15s log: unlocked",
      "status: bogus-json",
    ]);
  });
});

function stream(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": status === 200 ? "text/event-stream" : "application/json" } });
}

describe("followRun", () => {
  it("reconnects from the last event id until the server says end", async () => {
    const asked: (string | null | undefined)[] = [];
    const answers = [
      stream(formatEvent({ event: "state", id: "1-l-1-1", data: { status: "running" } })),
      stream(formatEvent({ event: "state", id: "1-r-2-1", data: { status: "succeeded" } }) + formatEvent({ event: "end", data: null })),
    ];
    const printed: string[] = [];
    await followRun({ events: async (_run, lastId) => (asked.push(lastId), answers.shift()!) }, "r1", (text) => printed.push(text));
    expect(asked).toEqual([null, "1-l-1-1"]);
    expect(printed).toEqual(["status: running", "status: succeeded"]);
  });

  it("gives up at once when the server refuses the stream, saying why", async () => {
    const refused = followRun(
      { events: async () => stream(JSON.stringify({ error: "There is no chore run r1 that you can see." }), 404) },
      "r1",
      () => undefined,
    );
    await expect(refused).rejects.toThrow(FollowRefused);
    await expect(refused).rejects.toThrow("404 There is no chore run r1 that you can see.");
  });

  it("gives up after streams that keep ending with nothing said", async () => {
    let asked = 0;
    await expect(followRun({ events: async () => (asked++, stream("retry: 3000\n\n")) }, "r1", () => undefined)).rejects.toThrow(/without an event/);
    expect(asked).toBe(5);
  });
});
