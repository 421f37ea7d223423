import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  // One try per GitHub step, so a fault fails the job at once instead of after backoff.
  h = await startHarness({ env: { GITHUB_STEP_ATTEMPTS: "1" } });
});
afterAll(async () => {
  await h?.close();
});

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
      headers: { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` },
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
