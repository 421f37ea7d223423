import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";
import { mergeFailingBeforeStart } from "./fail-before-start.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  // One try per GitHub step: a cleanup whose first try fails never lands its log.
  h = await startHarness({ env: { GITHUB_STEP_ATTEMPTS: "1" } });
});
afterAll(async () => {
  await h?.close();
});

const dashboardAuth = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

describe("a person's retry of a run whose script is already deleted", () => {
  it("commits its log on the cleanup's first try, without deleting the script again", async () => {
    const name = "retry-cleanup-first-try";
    const path = `scripts/${name}.ts`;
    const { runId, first, restore } = await mergeFailingBeforeStart(h, { [path]: recordingScript(name) }, path);
    expect(first.status).toBe("failed");
    // Attempt 1's cleanup deleted the script with its log.
    expect(await h.gh.readFile("main", path)).toBeUndefined();
    await restore();
    const requestsBefore = h.gh.requests.length;

    const retry = await fetch(`${h.appUrl}/admin/queues/api/queues/execute/${encodeURIComponent(runId)}/retry`, { method: "PUT", headers: dashboardAuth });
    expect(retry.status).toBe(204);
    const second = await h.waitForRun(`${runId}-attempt-2`);
    expect(second.status).toBe("succeeded");
    expect(parseRunLog((await h.gh.readFile("main", second.logPath))!).frontMatter).toMatchObject({ status: "succeeded", attempt: 2 });
    expect((await h.queues.cleanup.getJob(`${runId}-attempt-2`))!.attemptsStarted).toBe(1);
    // Look-ups may find nothing (404); no write is refused.
    const refused = h.gh.requests.slice(requestsBefore).filter((r) => r.method !== "GET" && r.status >= 400);
    expect(refused).toEqual([]);
    expect(await h.timesRan(name)).toBe(1);
  });
});
