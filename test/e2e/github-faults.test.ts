import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { recordingScript } from "./scripts.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const gitHubError = (message: string) => ({ message, documentation_url: "https://docs.github.com/rest" });

describe("GitHub faults", () => {
  it("rides out 502s and a secondary rate limit (Octokit retry and throttling), running the script once", async () => {
    const path = "scripts/flaky-github.ts";
    h.gh.failNext({
      method: "GET",
      path: /\/git\/trees\//,
      status: 429,
      headers: { "retry-after": "1" },
      body: gitHubError("You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
    });
    h.gh.failNext({ method: "GET", path: /\/contents\/scripts(\/|%2F)flaky-github\.ts/, status: 502, body: gitHubError("Server Error") });
    h.gh.failNext({ method: "POST", path: /\/git\/trees$/, status: 502, body: gitHubError("Server Error") });
    const merged = await h.mergeAndPush({ [path]: recordingScript("flaky-github") });
    expect(merged.delivery.status).toBe(200);
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("flaky-github")).toBe(1);
    const failed = h.gh.requests.filter((request) => request.status >= 429);
    expect(failed.map((request) => request.status).sort()).toEqual([429, 502, 502]);
  });

  it("retries a failed cleanup with BullMQ backoff when GitHub refuses a write, without running the script again", async () => {
    const path = "scripts/cleanup-refused-once.ts";
    h.gh.failNext({ method: "PATCH", path: /\/git\/refs\/heads/, status: 403, body: gitHubError("Resource not accessible by integration") });
    const merged = await h.mergeAndPush({ [path]: recordingScript("cleanup-refused-once") });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    const job = await h.queues.cleanup.getJob(merged.runIds[path]!);
    expect(job?.attemptsMade).toBe(2);
    expect(await h.timesRan("cleanup-refused-once")).toBe(1);
    expect(await h.gh.readFile("main", result.logPath)).toBeDefined();
  });

  it("rebuilds the log commit on the new head when someone pushes meanwhile (422 not a fast forward)", async () => {
    const path = "scripts/raced.ts";
    h.gh.beforeNext({ method: "PATCH", path: /\/git\/refs\/heads/ }, async () => {
      await h.gh.commitFiles({ files: { "README.md": "changed by someone else meanwhile\n" }, author: "dave" });
    });
    const merged = await h.mergeAndPush({ [path]: recordingScript("raced") });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(h.gh.requests.filter((r) => r.method === "PATCH" && r.status === 422)).toHaveLength(1);
    expect(await h.gh.readFile("main", "README.md")).toBe("changed by someone else meanwhile\n");
    expect(await h.gh.readFile("main", result.logPath)).toBeDefined();
    expect(await h.gh.readFile("main", path)).toBeUndefined();
    const [logCommit, theirs] = await h.gh.commits();
    expect(logCommit!.sha).toBe(result.commit);
    expect(theirs!.message).not.toContain("chorebot");
    expect(await h.timesRan("raced")).toBe(1);
  });

  it("commits only the log when someone deleted the script before its cleanup: GitHub refuses the deletion, and the same try looks and commits", async () => {
    const path = "scripts/deleted-meanwhile.ts";
    h.gh.beforeNext({ method: "POST", path: /\/git\/trees$/ }, async () => {
      await h.gh.commitFiles({ files: { [path]: null }, author: "dave", message: "Remove the script by hand" });
    });
    const merged = await h.mergeAndPush({ [path]: recordingScript("deleted-meanwhile") });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    // The first try assumed the script was still there; GitHub refused deleting a missing path,
    // and the try looked the path up and committed the log without failing the job.
    expect(h.gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/git/trees") && r.status === 422)).toHaveLength(1);
    expect((await h.queues.cleanup.getJob(merged.runIds[path]!))?.attemptsMade).toBe(1);
    expect(await h.gh.readFile("main", result.logPath)).toBeDefined();
    const [logCommit, theirs] = await h.gh.commits();
    expect(logCommit!.sha).toBe(result.commit);
    expect(theirs!.message).toBe("Remove the script by hand");
    expect(await h.timesRan("deleted-meanwhile")).toBe(1);
  });
});
