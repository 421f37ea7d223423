import nock from "nock";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PullRequestComments } from "../../../src/notify/pull-request-comments.js";
import { renderPullRequestComment } from "../../../src/notify/pull-request-comment.js";
import { notifyRun as reportRunWith } from "../../../src/notify/notify-run.js";
import type { RunNotice } from "../../../src/notify/run-notice.js";
import type { ExecutionResult } from "../../../src/run-types.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { runNotice, sha } from "./run-notice-fixture.js";

const API = "https://api.github.com";
const octokit = () => new TestOctokit({ auth: "token" });

const succeeded: ExecutionResult = {
  status: "succeeded",
  exitCode: 0,
  signal: null,
  startedAt: "2026-11-02T10:00:00.000Z",
  finishedAt: "2026-11-02T10:00:01.234Z",
  durationMs: 1234,
  output: { lines: [{ t: 12, stream: "stdout", text: "updated 3 plans" }], omittedBytes: 0, omittedAt: null },
  message: null,
};

const input = (over: Partial<RunNotice> = {}) => runNotice(succeeded, over);

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
}
interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null };
}

/** Just enough of GitHub's issue comments and check runs, with every write recorded. */
function fakeGitHub(o: { comments?: Comment[]; checkRuns?: CheckRun[]; pageSize?: number } = {}) {
  const comments = o.comments ?? [];
  const checkRuns = o.checkRuns ?? [];
  const writes: { method: string; path: string; body: any }[] = [];
  const reads: string[] = [];
  let nextId = 1000;
  const pageSize = o.pageSize ?? 100;

  nock(API)
    .persist()
    .get("/repos/acme/widgets/issues/12/comments")
    .query(true)
    .reply(function (uri) {
      reads.push(uri);
      const page = Number(new URL(uri, API).searchParams.get("page") ?? "1");
      const slice = comments.slice((page - 1) * pageSize, page * pageSize);
      const more = page * pageSize < comments.length;
      return [200, slice, more ? { link: `<${API}/repos/acme/widgets/issues/12/comments?per_page=100&page=${page + 1}>; rel="next"` } : {}];
    })
    .post("/repos/acme/widgets/issues/12/comments")
    .reply((uri, body: any) => {
      writes.push({ method: "POST", path: uri, body });
      const comment = { id: nextId++, body: body.body, user: { login: "chorebot[bot]", type: "Bot" } };
      comments.push(comment);
      return [201, comment];
    })
    .patch(/\/repos\/acme\/widgets\/issues\/comments\/\d+$/)
    .reply((uri, body: any) => {
      writes.push({ method: "PATCH", path: uri, body });
      const comment = comments.find((c) => uri.endsWith(`/${c.id}`))!;
      comment.body = body.body;
      return [200, comment];
    })
    .get(`/repos/acme/widgets/commits/${sha("a")}/check-runs`)
    .query(true)
    .reply((uri) => {
      reads.push(uri);
      const q = new URL(uri, API).searchParams;
      expect(q.get("filter")).toBe("latest");
      const runs = checkRuns.filter((r) => r.name === q.get("check_name")).reverse();
      return [200, { total_count: runs.length, check_runs: runs }];
    })
    .post("/repos/acme/widgets/check-runs")
    .reply((uri, body: any) => {
      writes.push({ method: "POST", path: uri, body });
      const { output, ...rest } = body;
      const run = { ...rest, id: nextId++, output: { title: output.title, summary: output.summary } };
      checkRuns.push(run);
      return [201, run];
    })
    .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
    .reply((uri, body: any) => {
      writes.push({ method: "PATCH", path: uri, body });
      const run = checkRuns.find((r) => uri.endsWith(`/${r.id}`))!;
      Object.assign(run, { ...body, output: { title: body.output.title, summary: body.output.summary } });
      return [200, run];
    });
  return { comments, checkRuns, writes, reads };
}

let redis: TestRedis;
let client: Redis;
let comments: PullRequestComments;
let test = 0;
const notifyRun = (o: ReturnType<typeof octokit>, run: RunNotice, options?: { firstTry?: boolean }) => reportRunWith(o, comments, run, options);

describe("notifyRun", () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    redis = await startRedis();
    client = new Redis(redis.port);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });
  beforeEach(() => {
    nock.cleanAll();
    comments = new PullRequestComments(client, `{test-${++test}}`);
  });
  afterEach(() => nock.cleanAll());

  it("comments on the pull request and completes a check run on the merge commit", async () => {
    const gh = fakeGitHub();
    const result = await notifyRun(octokit(), input());

    expect(gh.writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/widgets/issues/12/comments", "POST /repos/acme/widgets/check-runs"]);
    expect(gh.writes[0]!.body).toEqual({ body: renderPullRequestComment([input()]) });
    expect(gh.writes[1]!.body).toMatchObject({
      name: "chorebot: scripts/fix.ts",
      head_sha: sha("a"),
      status: "completed",
      conclusion: "success",
      started_at: succeeded.startedAt,
      completed_at: succeeded.finishedAt,
      details_url: input().log.url,
      external_id: "widgets-aaaaaaa-fix-0123456789:1",
      output: { title: "Succeeded after 1.2 s, exit code 0" },
    });
    expect(gh.writes[1]!.body.output.summary).toContain("+0.012s stdout | updated 3 plans");
    expect(result).toEqual({ commentId: gh.comments[0]!.id, checkRunId: gh.checkRuns[0]!.id });
  });

  it("writes nothing when called again with the same input (a retried cleanup)", async () => {
    const gh = fakeGitHub();
    const first = await notifyRun(octokit(), input());
    const writes = gh.writes.length;
    const second = await notifyRun(octokit(), input());
    expect(second).toEqual(first);
    expect(gh.writes).toHaveLength(writes);
    expect(gh.comments).toHaveLength(1);
    expect(gh.checkRuns).toHaveLength(1);
  });

  it("keeps one comment per pull request: another script's run and a retry's attempt update it", async () => {
    const gh = fakeGitHub();
    const first = await notifyRun(octokit(), input());
    const other = await notifyRun(octokit(), input({ runId: "widgets-aaaaaaa-other-9876543210", script: "scripts/other.ts" }));
    const failed: ExecutionResult = { ...succeeded, status: "failed", exitCode: 1, message: "exited with code 1" };
    const retry = await notifyRun(octokit(), input({ attempt: 2, execution: failed }));
    expect(new Set([first.commentId, other.commentId, retry.commentId]).size).toBe(1);
    // The report's one comment, and the failure's mention of its author (below).
    expect(gh.comments).toHaveLength(2);
    const body = gh.comments[0]!.body;
    expect(body).toContain("scripts/fix.ts");
    expect(body).toContain("scripts/other.ts");
    expect(body).toContain("attempt 2");
    expect(body.indexOf("attempt 1")).toBeLessThan(body.indexOf("attempt 2"));
    // The failed retry names alice for the first time in an edit: she is told in a comment of her own.
    expect(gh.writes.filter((w) => w.path.includes("/issues/")).map((w) => w.method)).toEqual(["POST", "PATCH", "PATCH", "POST"]);
  });

  describe("when a run fails, its pull request's author and approvers hear of it", () => {
    const failed: ExecutionResult = {
      ...succeeded,
      status: "failed",
      exitCode: 1,
      message: "Error: connection refused: db-replica-3:5432 (exited with code 1)",
    };
    const line = (body: string) => body.split("\n")[1]!;

    it("names them once, at the top of the comment, with what failed; no bots", async () => {
      const gh = fakeGitHub();
      await notifyRun(octokit(), input({ execution: failed, approvedBy: ["bob", "ALICE", "carol", "renovate[bot]"] }));
      expect(gh.comments).toHaveLength(1);
      const body = gh.comments[0]!.body;
      expect(line(body)).toBe("@alice @bob @carol: scripts/fix.ts failed. You wrote or approved it: please check what it did in production.");
      expect(body.match(/@\w+/g)).toEqual(["@alice", "@bob", "@carol"]);
    });

    it.each([
      ["timed_out", "timed out"],
      ["lost", "was lost"],
    ] as const)("names them when the run %s", async (status, verb) => {
      const gh = fakeGitHub();
      await notifyRun(octokit(), input({ execution: { ...failed, status }, approvedBy: ["bob"] }));
      expect(line(gh.comments[0]!.body)).toBe(`@alice @bob: scripts/fix.ts ${verb}. You wrote or approved it: please check what it did in production.`);
    });

    it.each(["succeeded", "cancelled", "refused"] as const)("names no one when the run %s", async (status) => {
      const gh = fakeGitHub();
      await notifyRun(octokit(), input({ execution: { ...failed, status }, approvedBy: ["bob"] }));
      expect(gh.comments[0]!.body).not.toContain("@");
    });

    it("a bot's pull request mentions its human approvers only", async () => {
      const gh = fakeGitHub();
      const pullRequest = { ...input().pullRequest!, author: "dependabot[bot]" };
      await notifyRun(octokit(), input({ pullRequest, execution: failed, approvedBy: ["bob"] }));
      expect(gh.comments[0]!.body.match(/@[\w[\]-]+/g)).toEqual(["@bob"]);
    });

    it("tells people named for the first time in an edit in a comment of their own, once; a success later tells no one", async () => {
      const gh = fakeGitHub();
      const other = (over: Partial<RunNotice>) => input({ runId: "widgets-aaaaaaa-other-9876543210", script: "scripts/other.ts", ...over });
      await notifyRun(octokit(), input({ approvedBy: ["bob"] }));
      expect(gh.comments[0]!.body).not.toContain("@");

      await notifyRun(octokit(), other({ execution: failed, approvedBy: ["bob"] }));
      expect(gh.comments).toHaveLength(2);
      expect(line(gh.comments[0]!.body)).toBe("@alice @bob: scripts/other.ts failed. You wrote or approved it: please check what it did in production.");
      expect(gh.comments[1]!.body).toBe(
        "@alice @bob: scripts/other.ts failed. You wrote or approved it: please check what it did in production. The chorebot comment above has the details.",
      );

      // Another failure names them in the comment, but they were told already; a new approver is told.
      await notifyRun(octokit(), other({ attempt: 2, execution: { ...failed, status: "timed_out" }, approvedBy: ["bob", "dave"] }));
      expect(gh.comments).toHaveLength(3);
      expect(gh.comments[2]!.body).toMatch(/^@dave: scripts\/other\.ts timed out\./);
      expect(line(gh.comments[0]!.body)).toMatch(/^@alice @bob @dave: scripts\/other\.ts timed out\./);

      // The same report again (a retried cleanup) writes nothing; a later success of that script clears the line.
      const writes = gh.writes.length;
      await notifyRun(octokit(), other({ attempt: 2, execution: { ...failed, status: "timed_out" }, approvedBy: ["bob", "dave"] }));
      expect(gh.writes).toHaveLength(writes);
      await notifyRun(octokit(), other({ attempt: 3, approvedBy: ["bob", "dave"] }));
      expect(gh.comments).toHaveLength(3);
      expect(gh.comments[0]!.body).not.toContain("@");
    });

    it("keeps the line short however many runs failed", async () => {
      const gh = fakeGitHub();
      for (let i = 0; i < 8; i++) {
        await notifyRun(octokit(), input({ runId: `widgets-aaaaaaa-f${i}-0123456789`, script: `scripts/${"deep/".repeat(100)}f${i}.ts`, execution: failed }));
      }
      const first = line(gh.comments[0]!.body);
      expect(first).toContain("3 more did too");
      expect(first.length).toBeLessThan(1500);
    });
  });

  it("coalesces the reports of runs finishing together into a few comment writes, showing every one", async () => {
    const gh = fakeGitHub();
    const runs = Array.from({ length: 12 }, (_, i) =>
      input({ runId: `widgets-aaaaaaa-s${i}-0123456789`, script: `scripts/s${String(i).padStart(2, "0")}.ts` }),
    );
    const results = await Promise.all(runs.map((run) => notifyRun(octokit(), run)));
    expect(new Set(results.map((r) => r.commentId)).size).toBe(1);
    expect(gh.comments).toHaveLength(1);
    for (const run of runs) expect(gh.comments[0]!.body).toContain(run.script);
    expect(gh.writes.filter((w) => w.path.includes("/issues/")).length).toBeLessThan(runs.length / 2);
  });

  it("stays within GitHub's comment size however many runs it shows", async () => {
    const gh = fakeGitHub();
    const noisy: ExecutionResult = {
      ...succeeded,
      output: {
        lines: Array.from({ length: 50 }, (_, i) => ({ t: i, stream: "stdout" as const, text: `${i} ${"x".repeat(3000)}` })),
        omittedBytes: 0,
        omittedAt: null,
      },
    };
    for (let i = 0; i < 40; i++) await notifyRun(octokit(), input({ runId: `widgets-aaaaaaa-n${i}-0123456789`, script: `scripts/n${i}.ts`, execution: noisy }));
    expect(gh.comments[0]!.body.length).toBeLessThanOrEqual(65_536);
    expect(gh.comments[0]!.body).toContain("scripts/n39.ts");
  });

  it("keeps one check run per script, showing the latest attempt", async () => {
    const gh = fakeGitHub();
    const first = await notifyRun(octokit(), input());
    const failed: ExecutionResult = { ...succeeded, status: "failed", exitCode: 1, message: "exited with code 1" };
    const second = await notifyRun(octokit(), input({ attempt: 2, execution: failed }));

    expect(second.checkRunId).toBe(first.checkRunId);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({ conclusion: "failure", external_id: "widgets-aaaaaaa-fix-0123456789:2" });

    // A late retry of attempt 1's cleanup must not put the old outcome back on the check run.
    const writes = gh.writes.length;
    await notifyRun(octokit(), input());
    expect(gh.writes).toHaveLength(writes);
    expect(gh.checkRuns[0]).toMatchObject({ conclusion: "failure", external_id: "widgets-aaaaaaa-fix-0123456789:2" });
  });

  it("tells reviewers why a refused script did not run", async () => {
    const reason = "PR #12 was approved only by its author alice; 1 approving review from someone else is required";
    const refused: ExecutionResult = {
      ...succeeded,
      status: "refused",
      exitCode: null,
      durationMs: 0,
      output: { lines: [], omittedBytes: 0, omittedAt: null },
      message: reason,
    };
    const gh = fakeGitHub();
    await notifyRun(octokit(), input({ execution: refused }));
    expect(gh.writes[0]!.body.body).toContain(`**Why:** ${reason}`);
    expect(gh.writes[1]!.body).toMatchObject({ conclusion: "failure", output: { title: "Refused: the script was not executed" } });
    expect(gh.writes[1]!.body.output.summary).toContain(reason);
  });

  it("only completes the check run when the run has no pull request", async () => {
    const gh = fakeGitHub();
    const result = await notifyRun(octokit(), input({ pullRequest: null }));
    expect(result.commentId).toBeNull();
    expect(gh.writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/widgets/check-runs"]);
  });

  it("on a cleanup's first try posts both without reading anything from GitHub", async () => {
    const gh = fakeGitHub();
    const result = await notifyRun(octokit(), input(), { firstTry: true });
    expect(gh.reads).toEqual([]);
    expect(gh.writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/widgets/issues/12/comments", "POST /repos/acme/widgets/check-runs"]);
    expect(result).toEqual({ commentId: gh.comments[0]!.id, checkRunId: gh.checkRuns[0]!.id });
  });

  it("on the first try of a retry's cleanup updates the comment and the first attempt's check run", async () => {
    const gh = fakeGitHub();
    const first = await notifyRun(octokit(), input(), { firstTry: true });
    const second = await notifyRun(octokit(), input({ attempt: 2 }), { firstTry: true });
    expect(second.commentId).toBe(first.commentId);
    expect(second.checkRunId).toBe(first.checkRunId);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]!.external_id).toBe("widgets-aaaaaaa-fix-0123456789:2");
  });

  it("surfaces GitHub errors such as a missing permission", async () => {
    nock(API).post("/repos/acme/widgets/issues/12/comments").reply(403, { message: "Resource not accessible by integration" });
    await expect(notifyRun(octokit(), input())).rejects.toMatchObject({ status: 403 });
    expect(nock.pendingMocks()).toEqual([]);
  });
});
