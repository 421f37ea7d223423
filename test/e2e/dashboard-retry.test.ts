import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { QUEUE_NAMES } from "../../src/pipeline/queues.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  // One try per GitHub step, so a fault fails the job at once instead of after backoff.
  h = await startHarness({ env: { GITHUB_STEP_ATTEMPTS: "1" } });
});
afterAll(async () => {
  await h?.close();
});

const AUTH = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

describe("retrying a failed step from the dashboard", () => {
  it("commits the log of a run whose cleanup failed, without running the script again", async () => {
    const path = "scripts/retry-cleanup.ts";
    h.gh.failNext({
      method: "PATCH",
      path: /\/git\/refs\/heads/,
      status: 403,
      body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" },
    });
    const merged = await h.mergeAndPush({
      [path]: `import { appendFileSync } from "node:fs";\nappendFileSync(process.env.SIDE_EFFECTS!, "retry-cleanup\\n");\nconsole.log("did the work");\n`,
    });
    const runId = merged.runIds[path]!;
    await expect(h.waitForRun(runId)).rejects.toThrow(/Resource not accessible by integration/);
    expect(await h.gh.readFile("main", path)).toBeDefined();
    expect(await h.queues.cleanup.getJobState(runId)).toBe("failed");

    const retry = await fetch(`${h.appUrl}/admin/queues/api/queues/cleanup/${encodeURIComponent(runId)}/retry`, {
      method: "PUT",
      headers: AUTH,
    });
    expect(retry.status).toBe(204);

    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    const log = parseRunLog((await h.gh.readFile("main", result.logPath))!);
    expect(log.body).toContain("did the work");
    expect(await h.gh.readFile("main", path)).toBeUndefined();
    expect((await h.executions()).filter((line) => line === "retry-cleanup")).toHaveLength(1);
  });
});

describe("cleaning completed jobs from the dashboard", () => {
  it("is allowed: a redelivered push finds the run's log on the default branch and runs nothing", async () => {
    const path = "scripts/cleaned-away.ts";
    const merged = await h.mergeAndPush({ [path]: recordingScript("cleaned-away") });
    const runId = merged.runIds[path]!;
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    const clean = (queue: string, status: string) => fetch(`${h.appUrl}/admin/queues/api/queues/${queue}/clean/${status}`, { method: "PUT", headers: AUTH });

    for (const status of ["failed", "wait", "delayed", "active"]) expect((await clean("execute", status)).status, status).toBe(403);
    // Bull Board cleans only jobs that finished more than 5 s ago: ask again until they are gone.
    const deadline = Date.now() + 30_000;
    const left = async () => (await Promise.all(QUEUE_NAMES.map((queue) => h.queues[queue].getJob(runId)))).some(Boolean);
    while (await left()) {
      if (Date.now() > deadline) throw new Error("completed jobs were not cleaned");
      for (const queue of QUEUE_NAMES) expect((await clean(queue, "completed")).status).toBe(200);
      await sleep(500);
    }

    const commits = await h.gh.commits();
    expect((await h.deliverPush(merged.before, merged.after, { deliveryId: "after-clean" })).status).toBe(200);
    expect((await h.waitForRun(runId)).commit).toBeNull();
    expect(await h.timesRan("cleaned-away")).toBe(1);
    expect(await h.gh.commits()).toEqual(commits);
  });
});
