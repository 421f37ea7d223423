import { describe, expect, it } from "vitest";
import type { IterationView } from "../../src/api/iteration-view.js";
import { withParked } from "../../src/api/parked-view.js";
import type { ChoreRunView } from "../../src/chores/chore-run-view.js";
import { runView } from "../unit/chores/chores-fixtures.js";
import { runPageBrowserHarness } from "./run-page-browser-harness.js";
import { parkedRecord } from "../helpers/parked-record.js";

/**
 * An iteration's run page in a real browser (adapted from waits-browser): a running iteration's
 * panel, updated live as its record moves on, and a paused one's (a real ParkedRuns record and
 * pause decision). The running one's screenshot is the README's (docs/iteration-progress.png
 * with UPDATE_SCREENSHOTS=1).
 *
 * Was: a parked run's page in a real browser (Debian's chromium, driven by playwright-core): the
 * chores pages' handler (createChoresHandler, as production serves it) on a real Redis, with
 * real execute jobs (delayed for a waiting run, failed for an interrupted one) and real
 * parked records (ParkedRuns.park, as the worker parks them). The buttons decide through
 * decideRun: the test asserts the decision taken (ParkedRuns.read) and the job woken (promoted,
 * or retried), not the script's continuation, which the worker's own tests cover. The sign-in
 * is the unit tests' (a `user` cookie): GitHub's OAuth pages are chores-browser's to test.
 * The waiting run's screenshot is the README's (docs/workflow-waiting.png with UPDATE_SCREENSHOTS=1).
 */

const PREFIX = "{iteration-browser}";

const b = runPageBrowserHarness(PREFIX, async (view, parked, runId) => {
  const [record, decisions] = await Promise.all([parked.read(runId), parked.decisions(runId)]);
  return withParked(view, record, decisions, await parked.pauseRequest(runId));
});
const { runs, pageAs, expectText, shotPath } = b;

function iteration(o: Partial<IterationView> = {}): IterationView {
  return {
    batch_size: 50,
    total: 1000,
    done: 412,
    rate: 41.2,
    eta_ms: 14_272,
    checkpoint: { seq: 8, done: 400, cursor: '{"id":"u-400","note":"</script><b>x</b>"}', at: new Date().toISOString() },
    in_flight: { seq: 9, from: 401, items: 12 },
    finished: false,
    ...o,
  };
}

function iterationRun(runId: string, status: ChoreRunView["status"], it: IterationView): ChoreRunView {
  return runView({
    id: runId,
    status,
    repository: "acme/shop",
    script: "chores/refund-order.ts",
    chore: "refund-order",
    requested_by: "alice",
    inputs: { order: "A-1001" },
    finished_at: null,
    duration_ms: null,
    iteration: it,
  });
}

describe("an iteration's run page in a browser", () => {
  it("running: the bar, items of the total, rate, ETA, checkpoint (a hostile cursor as text) and batch in flight, following the run live", async () => {
    const runId = "backfill-running-1";
    runs.set(runId, iterationRun(runId, "running", iteration()));
    const page = await pageAs("carol", runId);
    const panel = page.locator("#run-iteration");
    await expectText(
      panel,
      "412/1,000 items, batch 9 in flight, ETA 14 s",
      "41 items/s",
      "batch 8, after item 400",
      "batch 9: 12 of its items done (from item 401)",
    );
    await expectText(panel, '"note":"</script><b>x</b>"');
    expect(await page.locator("#run-iteration b").count()).toBe(0);
    expect(await page.locator("#decide-pause").count()).toBe(1);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: shotPath("iteration-progress.png"), fullPage: true });

    // The record moves on: the open page follows without a reload.
    runs.set(
      runId,
      iterationRun(
        runId,
        "running",
        iteration({
          done: 655,
          eta_ms: 8_000,
          checkpoint: { seq: 13, done: 650, cursor: "650", at: new Date().toISOString() },
          in_flight: { seq: 14, from: 651, items: 5 },
        }),
      ),
    );
    await expectText(panel, "655/1,000 items, batch 14 in flight, ETA 8 s", "batch 13, after item 650");
    expect(await page.locator("#iteration-bar").getAttribute("value")).toBe("655");
    // A pause asked (the API, say): the page says who asked and that it stops after this batch.
    expect((await b.parked.requestPause(runId, { kind: "pause", by: "ana", via: "api", at: new Date().toISOString() })).ok).toBe(true);
    await expectText(page.locator("#iteration-pause"), "Pause asked by ana", "it stops after this batch");
    await page.close();
  }, 60_000);

  it("paused: who paused it and since when, its checkpoint, and no Pause button", async () => {
    const runId = "backfill-paused-1";
    runs.set(runId, iterationRun(runId, "waiting", iteration({ done: 400, rate: null, eta_ms: null, in_flight: null })));
    await b.execute.add("chores/refund-order.ts", {}, { jobId: runId, delay: 60 * 60 * 1000 });
    await b.parked.requestPause(runId, { kind: "pause", by: "ana", via: "page", at: new Date().toISOString() });
    await b.parked.park(parkedRecord(runId, { kind: "paused", repo: "shop", chore: "refund-order", requestedBy: "alice" }));
    await b.parked.clearPauseRequest(runId);
    const page = await pageAs("carol", runId);
    await expectText(page.locator("#run-status-word"), "paused");
    await expectText(page.locator("#iteration-pause"), "Paused by ana since");
    await expectText(page.locator("#run-iteration"), "400/1,000 items", "not running", "batch 8, after item 400");
    expect(await page.locator("#decide-pause").count()).toBe(0);
    await page.close();
  }, 60_000);
});
