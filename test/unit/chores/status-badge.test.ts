import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { RunLink, StatusBadge } from "../../../src/chores/status-badge.js";
import { runView } from "./chores-fixtures.js";

function badge(run: Pick<ChoreRunView, "status" | "waiting_reason">): string {
  return render(h(StatusBadge, { run }));
}

describe("StatusBadge", () => {
  it("says each final state's word, its class named after it", () => {
    for (const status of ["succeeded", "failed", "cancelled", "timed_out", "lost", "refused"] as const) {
      expect(badge({ status, waiting_reason: null })).toBe(`<span class="status status-${status}">${status}</span>`);
    }
  });

  it("says queued, waiting or running for a live run", () => {
    expect(badge({ status: "queued", waiting_reason: null })).toBe('<span class="status status-queued">queued</span>');
    expect(badge({ status: "waiting", waiting_reason: "waiting for run r-0 of this chore" })).toBe('<span class="status status-waiting">waiting</span>');
    expect(badge({ status: "running", waiting_reason: null })).toBe('<span class="status status-running">running</span>');
    expect(badge({ status: "recording", waiting_reason: null })).toBe('<span class="status status-running">running</span>');
  });
});

describe("RunLink", () => {
  it("links the badge to the run's page, with who ran it and when as its title", () => {
    const html = render(h(RunLink, { run: runView({ id: "r 1", status: "succeeded", requested_by: "alice", started_at: "2026-12-01T10:00:00.000Z" }) }));
    expect(html).toBe('<a href="/chores/runs/r%201" title="by alice, 2026-12-01T10:00:00.000Z"><span class="status status-succeeded">succeeded</span></a>');
  });

  it("says why a run not started yet waits, escaped; nothing more for a running or finished one", () => {
    const waiting = render(h(RunLink, { run: runView({ id: "r-2", status: "waiting", waiting_reason: "waiting for run <r-1> of this chore" }) }));
    expect(waiting).toContain(
      '<span class="status status-waiting">waiting</span></a><span class="status-reason"> (waiting for run &lt;r-1> of this chore)</span>',
    );
    for (const status of ["running", "recording", "failed"] as const) {
      expect(render(h(RunLink, { run: runView({ status, waiting_reason: "stale" }) })), status).not.toContain("status-reason");
    }
  });
});
