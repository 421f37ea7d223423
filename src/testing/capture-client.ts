import type { ChannelClient, ChannelMessage } from "../sdk/channel-client.js";

/** What a script reported, as a test reads it: counters as totals, the latest progress. */
export interface Captured {
  logs: string[];
  counters: Record<string, number>;
  progress: { done: number; total: number | null } | null;
  /** The reason given to fail(), if it was called. */
  failReason: string | null;
}

/** A channel client that keeps what is sent, in memory, and never waits. */
export function captureClient(): ChannelClient & { captured: Captured } {
  const captured: Captured = { logs: [], counters: {}, progress: null, failReason: null };
  const take = (message: ChannelMessage): void => {
    switch (message.type) {
      case "log":
        captured.logs.push(message.message);
        return;
      case "counter":
        captured.counters[message.name] = message.op === "set" ? message.value : (captured.counters[message.name] ?? 0) + message.value;
        return;
      case "progress":
        captured.progress = { done: message.done, total: message.total };
        return;
      case "fail":
        captured.failReason ??= message.reason;
        return;
      default:
        return;
    }
  };
  return {
    captured,
    send: take,
    flush: () => Promise.resolve(),
    sendStep: (report) => {
      take({ type: "step", report });
      return Promise.resolve();
    },
  };
}
