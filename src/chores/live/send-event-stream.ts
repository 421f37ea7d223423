import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { PAGE_HEADERS } from "../send-page.js";
import { HEARTBEAT } from "./sse-format.js";

/** How a stream polls; tests pass a `wait` of their own, so nothing in them sleeps. */
export interface StreamTiming {
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  pollMs: number;
  /** Idle polls between two heartbeats. */
  heartbeatPolls: number;
  /**
   * Polls before the stream ends of itself (the browser then reconnects, and is checked
   * again: a user who lost access stops seeing the run within that time).
   */
  maxPolls: number;
}

export const STREAM_TIMING: StreamTiming = {
  wait: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
  pollMs: 1000,
  heartbeatPolls: 15,
  maxPolls: 600,
};

/** One poll's outcome: the text to send (maybe none), and whether the stream has said everything. */
export type StreamStep = () => Promise<{ text: string; over: boolean } | null>;

/**
 * Answers with an event stream: polls `step` every `pollMs` and sends what it says, a
 * heartbeat when it has said nothing for a while, until it is over (null: nothing more to
 * follow), `maxPolls` passed or the client left. It waits for a slow client to take what was
 * sent before polling again, so nothing piles up in memory.
 */
export async function sendEventStream(res: ServerResponse, step: StreamStep, timing: StreamTiming): Promise<void> {
  const left = new AbortController();
  const onClose = () => left.abort();
  res.on("close", onClose);
  try {
    res.writeHead(200, {
      ...PAGE_HEADERS,
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      // nginx and its kind would otherwise hold the events back.
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 3000\n\n");
    let idle = 0;
    for (let poll = 0; poll < timing.maxPolls && !left.signal.aborted; poll++) {
      const next = await step();
      if (next === null || left.signal.aborted) break;
      let sent = true;
      if (next.text !== "") {
        idle = 0;
        sent = res.write(next.text);
      } else if (++idle >= timing.heartbeatPolls) {
        idle = 0;
        sent = res.write(HEARTBEAT);
      }
      if (!sent) await once(res, "drain", { signal: left.signal }).catch(() => undefined);
      if (next.over) break;
      await timing.wait(timing.pollMs, left.signal);
    }
  } finally {
    res.off("close", onClose);
    res.end();
  }
}
