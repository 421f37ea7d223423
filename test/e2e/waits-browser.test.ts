import { describe, expect, it } from "vitest";
import { withParked } from "../../src/api/parked-view.js";
import type { ChoreRunView } from "../../src/chores/chore-run-view.js";
import { decideRun } from "../../src/pipeline/decide-run.js";
import type { ParkInit } from "../../src/stores/parked-runs.js";
import { runView } from "../unit/chores/chores-fixtures.js";
import { runPageBrowserHarness } from "./run-page-browser-harness.js";

/**
 * A parked run's page in a real browser (Debian's chromium, driven by playwright-core): the
 * chores pages' handler (createChoresHandler, as production serves it) on a real Redis, with
 * real execute jobs (delayed for a waiting run, failed for an interrupted one) and real
 * parked records (ParkedRuns.park, as the worker parks them). The buttons decide through
 * decideRun: the test asserts the decision taken (ParkedRuns.read) and the job woken (promoted,
 * or retried), not the script's continuation, which the worker's own tests cover. The sign-in
 * is the unit tests' (a `user` cookie): GitHub's OAuth pages are chores-browser's to test.
 * The waiting run's screenshot is the README's (docs/workflow-waiting.png with UPDATE_SCREENSHOTS=1).
 */

const PREFIX = "{waits-browser}";

const b = runPageBrowserHarness(PREFIX, async (view, parked, runId) => {
  const [record, decisions] = await Promise.all([parked.read(runId), parked.decisions(runId)]);
  // Once decided and cleared, the run goes on: what a worker would make of it.
  const moved: ChoreRunView = record === null && decisions.length > 0 ? { ...view, status: "running" } : view;
  return withParked(moved, record, decisions);
});
const { runs, pageAs, expectText, shotPath } = b;

/** A run whose execute job is delayed (waiting) or failed (interrupted), parked as the worker parks it. */
async function parkedRun(runId: string, over: Partial<ParkInit>): Promise<void> {
  runs.set(
    runId,
    runView({
      id: runId,
      status: "waiting",
      repository: "acme/shop",
      script: "chores/refund-order.ts",
      chore: "refund-order",
      requested_by: "alice",
      inputs: { order: "A-1001" },
      // Nothing has run while it waits for approvals.
      started_at: null,
      finished_at: null,
      duration_ms: null,
    }),
  );
  const kind = over.kind ?? "waiting";
  if (kind === "waiting") {
    await b.execute.add("chores/refund-order.ts", {}, { jobId: runId, delay: 60 * 60 * 1000 });
  } else {
    await b.execute.add("chores/refund-order.ts", {}, { jobId: runId, attempts: 1 });
    const job = await b.worker.getNextJob(`token-${runId}`);
    expect(job.id).toBe(runId);
    await job.moveToFailed(new Error("the worker was lost during step charge"), `token-${runId}`);
  }
  await b.parked.park({
    runId,
    kind,
    owner: "acme",
    repo: "shop",
    chore: "refund-order",
    since: new Date().toISOString(),
    attempt: 1,
    signal: "approval",
    step: null,
    deadline: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    pullRequest: null,
    requestedBy: "alice",
    approval: { count: 1 },
    ...over,
  });
}

describe("a parked run's page in a browser", () => {
  it("approvals: the requester's Approve is not offered and is refused with the reason; another writer's moves the run on, and the open page follows", async () => {
    const runId = "refund-approval-1";
    await parkedRun(runId, {});

    const own = await pageAs("alice", runId);
    await expectText(own.locator("#run-parked"), "Waiting for 1 approval (0 given); asked by alice", "You asked for this run, so you cannot approve it");
    expect(await own.locator("#decide-approve").count()).toBe(0);
    expect(await own.locator("#decide-reject").count()).toBe(1);
    // Her approval sent anyway (a form she built herself): refused, with the reason, and nothing taken.
    const refused = await own.evaluate(async (url) => {
      const body = new URLSearchParams({ csrf: "token-of-alice", decision: "approve" });
      const res = await fetch(url, { method: "POST", body });
      return { status: res.status, text: await res.text() };
    }, `${b.base}/chores/runs/${runId}/decide`);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("Refused: you asked for this run, so you cannot approve it");
    expect((await b.parked.read(runId))?.approval?.approvals).toEqual([]);

    const other = await pageAs("carol", runId);
    await expectText(other.locator("#run-parked"), "Waiting for 1 approval (0 given); asked by alice");
    await other.mouse.move(0, 0);
    await other.screenshot({ path: shotPath("workflow-waiting.png"), fullPage: true });
    await other.locator("#decide-approve").click();
    await other.waitForLoadState();
    await expectText(other.locator("main"), "Done: approved (1 of 1): the run starts.");
    expect((await b.parked.read(runId))?.decision).toMatchObject({ kind: "approve", by: "carol", via: "page" });
    // decideRun woke the delayed execute job: a worker takes it now.
    expect(await b.execute.getJobState(runId)).toBe("waiting");

    // The worker clears the record and runs it: alice's open page reloads itself and shows the decision.
    await b.parked.clear(runId);
    await expectText(own.locator("#run-status-word"), "running");
    await expectText(own.locator("#parked-decisions"), "approved by carol via the run page");
    await own.close();
    await other.close();
    // No worker here takes it: out of the way of the next test's.
    await (await b.execute.getJob(runId))?.remove();
  }, 60_000);

  it("an interrupted run: Resume and Roll back, each saying what it does; a click resumes it, a second decision is refused", async () => {
    const runId = "refund-lost-1";
    await parkedRun(runId, { kind: "interrupted", signal: null, step: "charge", deadline: null, approval: null });
    const page = await pageAs("carol", runId);
    await expectText(page.locator("#run-parked"), "Step charge was interrupted", "Nothing was re-run on its own");
    await expectText(page.locator("#run-parked"), "Resume runs step charge again from its start", "Roll back runs step charge's rollback if it has one");
    expect(await page.locator("#run-cancel").count()).toBe(0);
    await page.locator("#decide-resume").click();
    await page.waitForLoadState();
    await expectText(page.locator("main"), "Done: resuming: step charge runs again, then the workflow goes on.");
    expect((await b.parked.read(runId))?.decision).toMatchObject({ kind: "resume", by: "carol", via: "page" });
    // The failed execute job was retried: the next attempt goes on from the resume point.
    expect(await b.execute.getJobState(runId)).toBe("waiting");

    // Someone else's Roll back, a moment later (from the API, say), is refused: decided already.
    const late = await decideRun({ parked: b.parked, execute: b.execute }, runId, { kind: "rollback" }, { by: "alice", via: "api" });
    expect(late).toMatchObject({ ok: false, status: 409, refusal: "decided" });
    expect(await b.parked.decisions(runId)).toHaveLength(1);
    await page.close();
  }, 60_000);

  it("a step waiting for a signal: Continue sends the typed JSON payload", async () => {
    const runId = "refund-signal-1";
    await parkedRun(runId, { signal: "carrier-ok", step: "ship", requestedBy: "alice", approval: null });
    const page = await pageAs("carol", runId);
    await expectText(page.locator("#run-parked"), "Step ship waits for signal carrier-ok", `POST /api/runs/${runId}/signals/carrier-ok`);
    await page.getByLabel(/^Payload/).fill('{"tracking": "ZX-1"}');
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForLoadState();
    await expectText(page.locator("main"), 'Done: signal "carrier-ok" delivered: step ship goes on.');
    expect(await b.parked.payload(runId)).toEqual({ tracking: "ZX-1" });
    await page.close();
  }, 60_000);
});
