import { describe, expect, it } from "vitest";
import { eventStreamParser, type StreamEvent } from "../../../src/bin/event-stream-parser.js";
import { formatEvent, HEARTBEAT } from "../../../src/chores/live/sse-format.js";

function parseAll(pieces: string[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  const push = eventStreamParser((event) => events.push(event));
  for (const piece of pieces) push(piece);
  return events;
}

describe("eventStreamParser", () => {
  it("reads what the server's formatEvent writes, whatever the pieces it arrives in", () => {
    const text = `retry: 3000\n\n${formatEvent({ event: "state", id: "1-l-5-1", data: { status: "running" } })}${HEARTBEAT}${formatEvent({ event: "end", data: null })}`;
    const expected = [
      { event: "state", data: '{"status":"running"}', id: "1-l-5-1" },
      { event: "end", data: "null", id: "1-l-5-1" },
    ];
    expect(parseAll([text])).toEqual(expected);
    expect(parseAll([...text])).toEqual(expected);
  });

  it("joins data lines, takes CRLF and CR line ends, and calls an unnamed event a message", () => {
    expect(parseAll(["data: a\r\ndata: b\r", "\n\r", "\ndata:c\r\r\n"])).toEqual([
      { event: "message", data: "a\nb", id: null },
      { event: "message", data: "c", id: null },
    ]);
  });

  it("sends no event until its blank line has come", () => {
    expect(parseAll(["event: state\ndata: {}\n"])).toEqual([]);
  });
});
