import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperatorChorebot } from "./chorebot-process.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { beaconScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** `chorebot <args>` as an operator would run it against the harness's server. */
const chorebot = (...args: string[]) => runOperatorChorebot(h.appUrl, DASHBOARD, args);

/** `chorebot status <run>`, until it says `wanted` (the run moves on asynchronously). */
async function statusUntil(runId: string, wanted: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { code, stdout, stderr } = await chorebot("status", runId);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const view = JSON.parse(stdout) as Record<string, any>;
    if (view.status === wanted) return view;
    if (Date.now() > deadline) throw new Error(`${runId} is ${view.status}, not ${wanted}: ${stdout}`);
    await sleep(200);
  }
}

describe("chorebot status", () => {
  it("follows a run from running to cancelled, with the log's address", async () => {
    h.beacon.answer("status-hang", "hang");
    const merged = await h.mergeAndPush({ "scripts/status-hang.ts": beaconScript("status-hang") });
    const run = merged.runIds["scripts/status-hang.ts"]!;
    await h.beacon.next("status-hang");

    const running = await statusUntil(run, "running");
    expect(running).toMatchObject({
      id: run,
      script: "scripts/status-hang.ts",
      repository: `${h.gh.owner}/${h.gh.repo}`,
      commit: merged.after,
      attempt: 1,
      finished_at: null,
      log: null,
    });
    expect(running.pull_request).toMatchObject({ number: merged.number, author: "alice" });
    expect(typeof running.started_at).toBe("string");

    expect((await chorebot("cancel", run, "--by", "dave")).code).toBe(0);
    const finished = await h.waitForRun(run);
    const cancelled = await statusUntil(run, "cancelled");
    expect(cancelled).toMatchObject({ status: "cancelled", message: "cancelled by dave", attempt: 1 });
    expect(cancelled.log).toEqual({
      path: finished.logPath,
      commit: finished.commit,
      url: `http://${h.gh.host}/${h.gh.owner}/${h.gh.repo}/blob/${finished.commit}/${finished.logPath}`,
    });
    expect(Date.parse(cancelled.finished_at)).toBeGreaterThanOrEqual(Date.parse(cancelled.started_at));
  });

  it("says a finished run succeeded, and lists it among the succeeded runs", async () => {
    const merged = await h.mergeAndPush({ "scripts/status-done.ts": beaconScript("status-done", `console.log("done");`) });
    const run = merged.runIds["scripts/status-done.ts"]!;
    expect((await h.waitForRun(run)).status).toBe("succeeded");
    expect(await statusUntil(run, "succeeded")).toMatchObject({ exit_code: 0, log: { path: expect.stringContaining("status-done") } });

    const auth = { Authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };
    const res = await fetch(`${h.appUrl}/api/runs?status=succeeded`, { headers: auth });
    expect(res.status).toBe(200);
    const { runs } = (await res.json()) as { runs: { id: string; status: string }[] };
    expect(runs.map((r) => r.id)).toContain(run);
    expect(runs.every((r) => r.status === "succeeded")).toBe(true);
  });

  it("exits 1 with the 404 answer for a run nobody knows, and 2 without a run id", async () => {
    const unknown = await chorebot("status", "run-nobody-knows");
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe("");
    // The answer's message and hint as a sentence, not its JSON.
    expect(unknown.stderr).toMatch(/^no run run-nobody-knows; finished runs are kept for JOB_RETENTION .*logs\/ folder.*\n$/);

    expect((await chorebot("status")).code).toBe(2);
    expect((await chorebot("status", "a", "b")).code).toBe(2);
  });
});
