import { formatEvent } from "./sse-format.js";
import type { LiveRunView } from "./live-run-view.js";
import { isOver, runEvents, stateOf, changedState, type LiveState, type OutputCursor, type StreamMemory } from "./run-events.js";
import type { StreamStep } from "./send-event-stream.js";

/** How many polls a final run's stream waits for its log's commit before it ends without it. */
export const LOG_WAIT_POLLS = 30;

/**
 * A run page's stream: from `cursor` (what the page has), each poll sends the run's changes;
 * after its final status (and its log link, for LOG_WAIT_POLLS polls at most) an `end` event,
 * and the stream is over. A run that is gone ends it too.
 */
export function runStream(load: () => Promise<LiveRunView | null>, cursor: OutputCursor | null, logWaitPolls = LOG_WAIT_POLLS): StreamStep {
  let memory: StreamMemory = { cursor, state: null };
  let finalPolls = 0;
  return async () => {
    const view = await load();
    if (view === null) return null;
    const step = runEvents(memory, view);
    memory = step.memory;
    const state = memory.state!;
    const over = isOver(state) || (state.final && ++finalPolls > logWaitPolls);
    const events = over ? [...step.events, { event: "end" as const, data: null }] : step.events;
    return { text: events.map(formatEvent).join(""), over };
  };
}

/**
 * A chore page's history stream: each poll sends a `state` event (`{ id, …changes }`) for
 * every watched run whose state changed, and stops watching it once its status is final;
 * an `end` event when none is left. A run that is gone stops being watched.
 */
export function historyStream(loads: Map<string, () => Promise<LiveRunView | null>>): StreamStep {
  const watched = new Map<string, LiveState | null>([...loads.keys()].map((id) => [id, null]));
  return async () => {
    const views = await Promise.all([...watched.keys()].map(async (id) => [id, await loads.get(id)!()] as const));
    let text = "";
    for (const [id, view] of views) {
      if (view === null) {
        watched.delete(id);
        continue;
      }
      // A history row shows no steps: they would only make every event bigger.
      const state = { ...stateOf(view), steps: null };
      const changed = changedState(watched.get(id) ?? null, state);
      if (changed !== null) text += formatEvent({ event: "state", data: { id, ...changed } });
      if (state.final) watched.delete(id);
      else watched.set(id, state);
    }
    const over = watched.size === 0;
    if (over) text += formatEvent({ event: "end", data: null });
    return { text, over };
  };
}
