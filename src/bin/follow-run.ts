import { eventStreamParser, type StreamEvent } from "./event-stream-parser.js";
import type { RunsApiClient } from "./runs-api-client.js";

/** The stream's heartbeat comes every 15 s: this long without a byte, the connection is taken as lost. */
const IDLE_MS = 60_000;
/** Connections in a row that may fail before following gives up. */
const MAX_FAILURES = 5;

/**
 * A line as a terminal may be given it: every control character but a tab shown as U+FFFD. A
 * run's output keeps what its runner does not strip (a bare `\r` that overwrites the line before
 * it, backspaces, ESC sequences other than CSI and OSC such as DCS, C1 controls), and a script
 * prints data it did not write.
 */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return line.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, "\ufffd");
}

interface OutputLine {
  at: string;
  stream: string;
  text: string;
}

/**
 * What `chorebot chores run --follow` prints of a run's events: a line when its status or
 * progress changes, and each output line once (when the recorded output replaces the live
 * tail, only lines not printed yet). Pure: `printer(print)` returns the event handler.
 */
export function eventPrinter(printRaw: (line: string) => void): (event: StreamEvent) => void {
  const print = (line: string) => printRaw(printable(line));
  const printed = new Map<string, number>();
  let status: string | null = null;
  let progress: string | null = null;
  const key = (line: OutputLine) => JSON.stringify([line.at, line.stream, line.text]);
  return (event) => {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (event.event === "state" && data !== null) {
      if (typeof data.status === "string" && data.status !== status) {
        status = data.status;
        print(`status: ${status}${typeof data.detail === "string" ? ` (${data.detail})` : ""}`);
      }
      if (typeof data.done === "number") {
        const text = typeof data.total === "number" ? `${data.done} of ${data.total}` : String(data.done);
        if (text !== progress) print(`progress: ${(progress = text)}`);
      }
    }
    if (event.event === "output" && data !== null && Array.isArray(data.lines)) {
      const seen = new Map<string, number>();
      for (const line of data.lines as OutputLine[]) {
        const k = key(line);
        const n = (seen.get(k) ?? 0) + 1;
        seen.set(k, n);
        // A replacing batch repeats what was printed: print only what goes past it.
        if (data.replace === true && n <= (printed.get(k) ?? 0)) continue;
        printed.set(k, Math.max(printed.get(k) ?? 0, n));
        const prefix = line.stream === "log" ? "log: " : line.stream === "stderr" ? "err: " : "";
        print(`  ${line.at} ${prefix}${line.text}`);
      }
    }
  };
}

/**
 * Follows `run`'s events until the server says `end` (the run is final and its log
 * committed), reconnecting from the last event id when a stream ends early or breaks.
 * Resolves once it ended; throws when the server refuses the stream or stays unreachable.
 */
export async function followRun(api: Pick<RunsApiClient, "events">, run: string, print: (line: string) => void): Promise<void> {
  const onEvent = eventPrinter(print);
  let failures = 0;
  let lastId: string | null = null;
  for (;;) {
    let ended = false;
    let heard = false;
    try {
      const response = await api.events(run, lastId);
      if (!response.ok || response.body === null) {
        const text = (await response.text().catch(() => "")).trim();
        let said = text;
        try {
          said = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {
          // not JSON: the text as it is
        }
        throw new FollowRefused(`the server refused to stream run ${run}: ${response.status} ${said}`.trim());
      }
      const parse = eventStreamParser((event) => {
        heard = true;
        if (event.id !== null) lastId = event.id;
        if (event.event === "end") ended = true;
        else onEvent(event);
      });
      await readWithIdleTimeout(response.body, parse);
      // A stream that said nothing at all is no progress: counted, so a server doing only that is given up on.
      if (heard) failures = 0;
      else if (!ended && ++failures >= MAX_FAILURES) throw new Error(`the server ended run ${run}'s stream ${MAX_FAILURES} times without an event`);
    } catch (error) {
      if (error instanceof FollowRefused) throw error;
      if (++failures >= MAX_FAILURES) throw error;
    }
    if (ended) return;
  }
}

/** The server refused to stream the run (no such run, no permission, too many streams): following again will not help. */
export class FollowRefused extends Error {}

async function readWithIdleTimeout(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no event or heartbeat for a minute")), IDLE_MS);
    });
    try {
      const { done, value } = await Promise.race([reader.read(), idle]);
      if (done) return;
      onText(decoder.decode(value, { stream: true }));
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
