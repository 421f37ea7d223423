import nock from "nock";
import type { ApplicationFunction } from "probot";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CheckSettings } from "../../../src/checks/analyze-pull-request.js";
import { handleCheckRunRerequested, handlePullRequest } from "../../../src/checks/handle-pull-request.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";
import { fakeGitHub, freshSha, type FakeRepo } from "./fake-github.js";

const settings: CheckSettings = {
  scriptCwd: process.cwd(),
  scriptEnv: ["DATABASE_URL"],
  limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" },
};

// What the lead wires into src/index.ts.
const app: ApplicationFunction = (app) => {
  app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], handlePullRequest(settings));
  app.on("check_run.rerequested", handleCheckRunRerequested(settings));
};

function setup() {
  const probot = testProbot();
  // `app` is synchronous, so load() has nothing left to wait for once it returns.
  void probot.load(app);
  return probot;
}

/** A real pull_request payload (Codertocat/Hello-World #2) at a fresh head commit. */
function pullRequestPayload(action: "opened" | "synchronize" | "reopened", headSha: string) {
  const payload = examplePayload("pull_request", (p) => p.action === action && p.installation);
  payload.pull_request.head.sha = headSha;
  return payload;
}

function repoFor(headSha: string, files: FakeRepo["files"], prFiles: FakeRepo["prFiles"]): FakeRepo {
  return { owner: "Codertocat", repo: "Hello-World", number: 2, headSha, author: "Codertocat", files, prFiles };
}

describe("pull request check run", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it.each(["opened", "synchronize", "reopened"] as const)("posts a completed chorebot check run on the head when a pull request is %s", async (action) => {
    const headSha = freshSha();
    const recorded = fakeGitHub(repoFor(headSha, { "scripts/hello.ts": 'console.log("hello");\n' }, [{ filename: "scripts/hello.ts", status: "added" }]));
    await setup().receive({ id: "1", name: "pull_request", payload: pullRequestPayload(action, headSha) } as any);
    expect(recorded.created).toEqual([
      {
        name: "chorebot",
        head_sha: headSha,
        status: "completed",
        conclusion: "success",
        completed_at: expect.any(String),
        output: { title: "1 script will run on merge; 1 approval missing", summary: expect.stringContaining("`scripts/hello.ts`"), annotations: [] },
      },
    ]);
    expect(recorded.updated).toEqual([]);
  });

  it("posts no check run for a pull request without scripts", async () => {
    const headSha = freshSha();
    const recorded = fakeGitHub(repoFor(headSha, { "README.md": "hi\n" }, [{ filename: "README.md", status: "modified" }]));
    await setup().receive({ id: "2", name: "pull_request", payload: pullRequestPayload("opened", headSha) } as any);
    expect(recorded.created).toEqual([]);
    expect(recorded.updated).toEqual([]);
  });

  it("sends more than 50 annotations in batches of 50: create, then updates", async () => {
    const headSha = freshSha();
    const outside = Array.from({ length: 120 }, (_, i) => ({ filename: `src/file-${String(i).padStart(3, "0")}.ts`, status: "added" }));
    const recorded = fakeGitHub(repoFor(headSha, { "scripts/hello.ts": "console.log(1);\n" }, [{ filename: "scripts/hello.ts", status: "added" }, ...outside]));
    await setup().receive({ id: "3", name: "pull_request", payload: pullRequestPayload("synchronize", headSha) } as any);
    expect(recorded.created).toHaveLength(1);
    expect(recorded.created[0].conclusion).toBe("failure");
    const batches = [recorded.created[0].output.annotations, ...recorded.updated.map((u) => u.output.annotations)];
    expect(batches.map((b: unknown[]) => b.length)).toEqual([50, 50, 20]);
    expect(batches.flat().map((a: { path: string }) => a.path)).toEqual(outside.map((f) => f.filename));
    for (const update of recorded.updated) {
      expect(update.output.title).toBe(recorded.created[0].output.title);
      expect(update.output.summary).toBe(recorded.created[0].output.summary);
    }
  });

  it("re-analyzes the pull request when its chorebot check run is re-requested", async () => {
    const headSha = freshSha();
    const recorded = fakeGitHub(repoFor(headSha, { "scripts/broken.ts": "console.log(;\n" }, [{ filename: "scripts/broken.ts", status: "added" }]));
    const payload = examplePayload("check_run", (p) => p.action === "rerequested" && p.installation);
    const pulls = examplePayload("check_run", (p) => p.action === "completed").check_run.pull_requests;
    payload.repository = examplePayload("pull_request", (p) => p.action === "opened").repository;
    payload.check_run.name = "chorebot";
    payload.check_run.head_sha = headSha;
    payload.check_run.pull_requests = pulls;
    await setup().receive({ id: "4", name: "check_run", payload } as any);
    expect(recorded.created).toHaveLength(1);
    expect(recorded.created[0]).toMatchObject({
      head_sha: headSha,
      conclusion: "failure",
      output: { annotations: [{ path: "scripts/broken.ts", start_line: 1, annotation_level: "failure" }] },
    });
    // The author comes from the pull request itself (pulls.get), not from the check run.
    expect(recorded.created[0].output.summary).toContain("other than @Codertocat");
  });

  it("ignores a re-requested check run of another app or of no pull request", async () => {
    const payload = examplePayload("check_run", (p) => p.action === "rerequested" && p.installation);
    await setup().receive({ id: "5", name: "check_run", payload } as any);
    payload.check_run.name = "chorebot";
    await setup().receive({ id: "6", name: "check_run", payload } as any);
    // No interceptor is set up: any request to GitHub would have failed the delivery.
  });
});
