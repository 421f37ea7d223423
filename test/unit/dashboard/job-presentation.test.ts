import { describe, expect, it } from "vitest";
import { earlierTry, explainFailure, STALLED } from "../../../src/dashboard/explain-failure.js";
import { jobTitle, outcomeLabel } from "../../../src/dashboard/job-title.js";
import { progressView } from "../../../src/dashboard/progress-view.js";
import { liveState, progressOf } from "../../../src/pipeline/live-state.js";

const path = "scripts/2026-11-fix-plans.ts";
const summary = (status: string, message: string | null) => ({
  attempt: 1,
  runner: "worker-1",
  status,
  exitCode: status === "succeeded" ? 0 : 1,
  durationMs: 1200,
  message,
});

describe("a job's name in the dashboard", () => {
  it("says how the script's run ended, though its execute job completed", () => {
    expect(jobTitle("execute", { name: path, returnvalue: summary("succeeded", null) })).toBe(`${path} — ✓ succeeded`);
    expect(jobTitle("execute", { name: path, returnvalue: summary("failed", "connection refused: db-replica-3:5432") })).toBe(
      `${path} — ✗ failed: connection refused: db-replica-3:5432`,
    );
    expect(jobTitle("execute", { name: path, returnvalue: summary("timed_out", "timed out after 900 s") })).toBe(`${path} — ✗ timed out after 900 s`);
    expect(jobTitle("execute", { name: path, returnvalue: summary("cancelled", "cancelled by alice") })).toBe(`${path} — ⊘ cancelled by alice`);
    expect(jobTitle("execute", { name: path, returnvalue: summary("refused", "already running: r#1") })).toBe(`${path} — ⊘ refused: already running: r#1`);
    expect(jobTitle("execute", { name: path, returnvalue: summary("failed", null) })).toBe(`${path} — ✗ failed`);
  });

  it("keeps a long message to one short line", () => {
    const title = jobTitle("execute", { name: path, returnvalue: summary("failed", `first line\n${"x".repeat(400)}`) });
    expect(title).not.toContain("\n");
    expect(title.length).toBeLessThan(path.length + 160);
    expect(title.endsWith("…")).toBe(true);
  });

  it("says why a run waits, and who cancelled it while it runs", () => {
    const waiting = { ...liveState(1), waiting: "global lock held by r#1" };
    expect(jobTitle("execute", { name: path, progress: waiting })).toBe(`${path} — ◷ waiting: global lock held by r#1`);
    expect(jobTitle("execute", { name: path, progress: { ...liveState(1), cancelledBy: "dave" } })).toBe(`${path} — ⊘ cancelling: asked by dave`);
    expect(jobTitle("execute", { name: path, progress: { ...liveState(1), ...progressOf(1, 3) } })).toBe(path);
    expect(jobTitle("execute", { name: path, progress: 0 })).toBe(path);
  });

  it("says what the other steps did", () => {
    const problem = (status: string, message: string) => ({
      provenance: {},
      alreadyHandled: null,
      description: null,
      problem: { status, message, detail: null },
    });
    expect(jobTitle("process", { name: path, returnvalue: { provenance: {}, alreadyHandled: null, description: null, problem: null } })).toBe(
      `${path} — ✓ bundled`,
    );
    expect(jobTitle("process", { name: path, returnvalue: problem("refused", "pull request #7 has 0 approving review(s)") })).toBe(
      `${path} — ⊘ refused: pull request #7 has 0 approving review(s)`,
    );
    expect(jobTitle("process", { name: path, returnvalue: problem("failed", "the script did not bundle") })).toBe(
      `${path} — ✗ failed: the script did not bundle`,
    );
    const cleanup = { script: path, logPath: "logs/x.md", commit: "abc", status: "failed", cleanupPullRequest: null };
    expect(jobTitle("cleanup", { name: path, returnvalue: cleanup })).toBe(`${path} — ✓ log committed (the run failed)`);
    expect(jobTitle("cleanup", { name: path, returnvalue: { ...cleanup, cleanupPullRequest: { number: 9, url: "u" } } })).toBe(
      `${path} — ✓ log proposed in pull request #9 (the run failed)`,
    );
    expect(jobTitle("discover", { name: "o/r@abc1234", returnvalue: { runIds: ["a", "b"] } })).toBe("o/r@abc1234 — ✓ 2 scripts queued");
    expect(jobTitle("discover", { name: "o/r@abc1234", returnvalue: { runIds: [] } })).toBe("o/r@abc1234 — no script to run");
  });

  it("says which step failed", () => {
    const failed = {
      failedReason: "GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log",
      finishedOn: 1,
      attemptsMade: 6,
    };
    expect(jobTitle("cleanup", { name: path, ...failed })).toBe(`${path} — ✗ cleanup failed: ${failed.failedReason}`);
    expect(jobTitle("execute", { name: path, failedReason: STALLED, finishedOn: 1 })).toBe(`${path} — ✗ lost: its worker stopped during the run`);
    expect(jobTitle("process", { name: path, failedReason: "GitHub answered 502 Bad Gateway while bundling it", attemptsMade: 2, opts: { attempts: 6 } })).toBe(
      `${path} — ↻ retrying after try 2 of 6 failed: GitHub answered 502 Bad Gateway while bundling it`,
    );
  });

  it("marks each outcome", () => {
    expect(outcomeLabel("lost", "the worker stopped during execution")).toBe("✗ lost: the worker stopped during execution");
    expect(outcomeLabel("cancelled", "the worker shut down before the script finished")).toBe("⊘ cancelled: the worker shut down before the script finished");
    expect(outcomeLabel("rolled_back", "step ship failed: carrier down; rolled back ship, charge, reserve")).toBe(
      "↩ rolled back: step ship failed: carrier down; rolled back ship, charge, reserve",
    );
    expect(outcomeLabel("rollback_failed", "step ship failed; the rollback of charge failed")).toBe(
      "✗ rollback failed: step ship failed; the rollback of charge failed",
    );
  });
});

/** What the dashboard says of a `queue` job that failed for good (it has finishedOn) after `attemptsMade` tries. */
const failedForGood = (queue: string, attemptsMade: number, failedReason: string, stacktrace?: string[]) =>
  explainFailure(queue, { failedReason, ...(stacktrace && { stacktrace }), attemptsMade, finishedOn: 1 });

describe("a failed job's error in the dashboard", () => {
  it("says which step failed, why and what Retry does, for each step", () => {
    const cleanup = failedForGood("cleanup", 6, "GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log", [
      "StepError: GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log",
    ]);
    expect(cleanup.sentence).toBe(
      "Cleanup failed after 6 tries: GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log. " +
        "Retry commits the log; the script does not run again.",
    );
    const process = failedForGood("process", 1, "GitHub answered 502 Bad Gateway while bundling it");
    expect(process.sentence).toBe("Process failed: GitHub answered 502 Bad Gateway while bundling it. Retry fetches and bundles again; nothing has run.");
    const discover = failedForGood("discover", 6, "GitHub did not answer (fetch failed) while x");
    expect(discover.sentence).toMatch(
      /^Discover failed after 6 tries: GitHub did not answer \(fetch failed\) while x\. Retry looks for the push's scripts again; nothing has run\.$/,
    );
  });

  it("tells a lost execute for what it is: the script may have partly run, and Retry runs it again in production", () => {
    const lost = failedForGood("execute", 1, STALLED, [`Error: ${STALLED}\n    at x (y.js:1:1)`]);
    expect(lost.sentence).toMatch(/^Execute failed: the worker running it stopped \(it died, froze, or could not reach Redis for longer than JOB_LOCK_MS\)/);
    expect(lost.sentence).toContain("recorded as lost");
    expect(lost.sentence).toContain("may have partly run");
    expect(lost.sentence).toMatch(/Retry runs the script again in production\.$/);
    expect(lost.sentence).not.toMatch(/stalled|allowable/);
  });

  it("tells a refused retry of a locked script, and any other execute failure", () => {
    const refused = failedForGood("execute", 2, "already running: r#1", ["AlreadyRecorded: already running: r#1\n    at x (y.js:1:1)"]);
    expect(refused.sentence).toBe(
      "Execute did not start the script: already running: r#1. This attempt is recorded with its own log. Retry runs the script in production, once that run has finished.",
    );
    const other = failedForGood("execute", 1, "the script's bundle is no longer in Redis");
    expect(other.sentence).toBe(
      "Execute failed: the script's bundle is no longer in Redis. The run's log says whether the script started. Retry runs the script in production.",
    );
  });

  it("says GitHub answered, without its documentation link, for an error from before StepError", () => {
    const raw = "Resource not accessible by integration - https://docs.github.com/rest/git/refs#update-a-reference";
    const old = failedForGood("cleanup", 2, raw, [`HttpError: ${raw}\n    at x (y.js:1:1)`, `HttpError: ${raw}\n    at x (y.js:1:1)`]);
    expect(old.sentence).toBe(
      "Cleanup failed after 2 tries: GitHub answered with an error (Resource not accessible by integration). Retry commits the log; the script does not run again.",
    );
  });

  it("says a job that BullMQ tries again needs nothing yet", () => {
    const pending = explainFailure("cleanup", {
      failedReason: "GitHub answered 502 Bad Gateway while committing the run log",
      attemptsMade: 2,
      opts: { attempts: 6 },
    });
    expect(pending.sentence).toBe(
      "Cleanup try 2 of 6 failed: GitHub answered 502 Bad Gateway while committing the run log. chorebot tries again on its own; nothing needs doing yet.",
    );
  });

  it("tells an earlier try's stack as one line", () => {
    expect(earlierTry("StepError: GitHub answered 502 Bad Gateway while bundling it")).toBe(
      "An earlier try failed: GitHub answered 502 Bad Gateway while bundling it.",
    );
    expect(earlierTry("HttpError: Bad credentials - https://docs.github.com/rest\n    at x (y.js:1:1)")).toBe(
      "An earlier try failed: GitHub answered with an error (Bad credentials).",
    );
  });
});

describe("a run's live state in the dashboard", () => {
  it("draws the ring from the percentage, and sums the state up first", () => {
    const view = progressView({ ...liveState(1), ...progressOf(1, 3), counters: { "plans fixed": 40 }, logLines: 2 }) as Record<string, unknown>;
    expect(Object.keys(view)[0]).toBe("summary");
    expect(view).toMatchObject({
      summary: "1 of 3 done (33 %) · plans fixed 40 · 2 lines logged",
      progress: 33,
      done: 1,
      total: 3,
      percent: 33,
      counters: { "plans fixed": 40 },
    });
  });

  it("draws no ring when the script gave no total: a count is not a percentage", () => {
    const view = progressView({ ...liveState(1), ...progressOf(1500, null) }) as Record<string, unknown>;
    expect(view).toMatchObject({ summary: "1500 done (no total given)", progress: null, done: 1500, total: null, percent: null });
    expect(progressView({ ...liveState(1), ...progressOf(0.4, 1) })).toMatchObject({ summary: "40 % done", progress: 40 });
  });

  it("says why a run waits and who cancelled it", () => {
    expect(progressView({ ...liveState(1), waiting: "self lock held by r#1" })).toMatchObject({
      summary: "waiting: self lock held by r#1",
      waiting: "self lock held by r#1",
      progress: null,
    });
    expect(progressView({ ...liveState(2), cancelledBy: "erin" })).toMatchObject({ summary: "cancel asked by erin", cancelledBy: "erin", attempt: 2 });
    expect(progressView(liveState(1))).toMatchObject({ summary: "no progress reported yet" });
  });

  it("leaves what is not a live state alone", () => {
    for (const progress of [0, 42, null, undefined]) expect(progressView(progress)).toBe(progress);
  });
});
