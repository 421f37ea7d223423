import type { LiveEvent } from "./run-events.js";

/**
 * One event in the `text/event-stream` format. The data is JSON on one line (JSON escapes
 * every line break), so nothing a script printed can end the event or forge another; ids
 * are cursor ids (digits, letters, `-`).
 */
export function formatEvent(event: LiveEvent): string {
  return `event: ${event.event}\n${event.id === undefined ? "" : `id: ${event.id}\n`}data: ${JSON.stringify(event.data)}\n\n`;
}

/** A comment line: ignored by the browser, it keeps proxies from closing an idle stream. */
export const HEARTBEAT = ": keep-alive\n\n";
