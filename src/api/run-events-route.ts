import type { IncomingMessage, ServerResponse } from "node:http";
import { ConnectionLimit } from "../chores/live/connection-limit.js";
import type { LiveRunView } from "../chores/live/live-run-view.js";
import { parseCursor } from "../chores/live/run-events.js";
import { LOG_WAIT_POLLS, runStream } from "../chores/live/run-stream.js";
import { sendEventStream, STREAM_TIMING, type StreamTiming } from "../chores/live/send-event-stream.js";
import { json } from "./json-answer.js";

/** How a run's event stream polls, and how many may be open per caller and in all. */
export interface RunEventsSettings {
  timing: StreamTiming;
  logWaitPolls: number;
  streams: ConnectionLimit;
}

export function runEventsSettings(o: Partial<Omit<RunEventsSettings, "streams">> & { perUser?: number; total?: number } = {}): RunEventsSettings {
  return {
    timing: o.timing ?? STREAM_TIMING,
    logWaitPolls: o.logWaitPolls ?? LOG_WAIT_POLLS,
    streams: new ConnectionLimit({ perUser: o.perUser ?? 8, total: o.total ?? 200 }),
  };
}

/**
 * `GET /api/runs/<run>/events`, once the caller may see the run (`first`, as just read):
 * the chores pages' run stream (run-stream.ts) as server-sent events — `state` (what changed
 * of its status, progress, counters, result, log), `output` (new lines, redacted) and `end`
 * once the run is final and its log committed — from the `Last-Event-ID` of a reconnect.
 * `who` is counted against the per-caller limit of open streams (429 past it).
 */
export async function serveRunEvents(
  req: IncomingMessage,
  res: ServerResponse,
  o: { first: LiveRunView; load: () => Promise<LiveRunView | null>; who: string; settings: RunEventsSettings },
): Promise<void> {
  const release = o.settings.streams.acquire(o.who);
  if (release === null) {
    json(res, 429, { error: "too many event streams open; close some and try again" }, { "Retry-After": "5" });
    return;
  }
  const lastId = req.headers["last-event-id"];
  let next: LiveRunView | null = o.first;
  const load = async () => {
    const view = next ?? (await o.load());
    next = null;
    return view;
  };
  try {
    await sendEventStream(res, runStream(load, parseCursor(typeof lastId === "string" ? lastId : null), o.settings.logWaitPolls), o.settings.timing);
  } finally {
    release();
  }
}
