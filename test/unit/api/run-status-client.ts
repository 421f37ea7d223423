import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";

/** Reads runs from `/api/runs/<id>` of the server at `base()` (set once it listens), with `headers`. */
export function runStatusClient(base: () => string, headers: Record<string, string>) {
  const status = async (runId: string): Promise<RunStatusView> => {
    const res = await fetch(`${base()}/api/runs/${runId}`, { headers });
    expect(res.status).toBe(200);
    return (await res.json()) as RunStatusView;
  };
  /** Polls the API until the run reaches `wanted` (jobs move between states asynchronously). */
  const until = async (runId: string, wanted: string, more: (view: RunStatusView) => boolean = () => true) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const view = await status(runId);
      if (view.status === wanted && more(view)) return view;
      if (Date.now() > deadline) throw new Error(`${runId} is ${JSON.stringify(view)}, not ${wanted}`);
      await sleep(25);
    }
  };
  return { status, until };
}
