import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { commandReplies } from "../../../src/notify/command-reply.js";
import type { RunJobData } from "../../../src/pipeline/job-data.js";
import type { ExecutionResult } from "../../../src/run-types.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const API = "https://api.github.com";
const REPLY = 4321;
const path = `/repos/acme/widgets/issues/comments/${REPLY}`;

function data(replyId: number | null = REPLY): RunJobData {
  return {
    runId: "widgets-chore-unlock-abc",
    target: {
      owner: "acme",
      repo: "widgets",
      installationId: 7,
      chore: {
        name: "unlock",
        request: {
          trigger: "comment",
          requestedBy: "alice",
          requestedAt: "2026-12-06T10:00:00Z",
          inputs: {},
          name: "fix-1",
          comment: { url: "https://github.com/acme/widgets/pull/3#issuecomment-1", issueNumber: 3, commentId: 1, replyId },
        },
      },
    },
  } as unknown as RunJobData;
}

const execution: ExecutionResult = {
  status: "succeeded",
  exitCode: 0,
  signal: null,
  startedAt: "2026-12-06T10:00:00.000Z",
  finishedAt: "2026-12-06T10:00:02.000Z",
  durationMs: 2000,
  output: { lines: [{ t: 5, stream: "stdout", text: "done: [REDACTED]" }], omittedBytes: 0, omittedAt: null },
  message: null,
  report: {
    inputs: null,
    counters: {},
    progress: { done: 3, total: 3 },
    result: { unlocked: 3 },
    failReason: null,
    logs: [{ t: 1, message: "step one" }],
    droppedLogs: 0,
    rejectedLines: 0,
  },
};

/** Every edit GitHub receives, in order; `next()` resolves at the next one. */
function edits(status = 200) {
  const bodies: string[] = [];
  const waiting: (() => void)[] = [];
  nock(API)
    .persist()
    .patch(path)
    .reply(status, (_uri: string, body: { body: string }) => {
      bodies.push(body.body);
      waiting.shift()?.();
      return { id: REPLY, body: body.body };
    });
  return { bodies, next: () => new Promise<void>((resolve) => waiting.push(resolve)) };
}

describe("commandReplies", () => {
  const warnings: unknown[] = [];
  const replies = (editMs = 10_000) =>
    commandReplies({
      octokitFor: async () => new TestOctokit({ auth: "token" }),
      runPage: (runId) => `https://bot.example/chores/runs/${runId}`,
      log: { warn: (o: unknown) => void warnings.push(o) } as never,
      progressEditMs: editMs,
    });
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    warnings.length = 0;
  });

  it("says running when the script starts, then its progress at most once an interval, the latest of it", async () => {
    const github = edits();
    const first = github.next();
    const startedAt = Date.now();
    const running = replies(300).started(data())!;
    await first;
    expect(github.bodies[0]).toContain("`running`");
    expect(github.bodies[0]).toContain("[`widgets-chore-unlock-abc`](https://bot.example/chores/runs/widgets-chore-unlock-abc)");
    const second = github.next();
    for (let done = 1; done <= 50; done++) running.progress(done, 100);
    await second;
    // The interval counts from the running edit (timers may fire a millisecond early).
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(295);
    expect(github.bodies).toHaveLength(2);
    expect(github.bodies[1]).toContain("Progress: 50 of 100.");
    running.progress(51, 100);
    await running.stop();
    // Stopped: the pending progress is never sent.
    expect(github.bodies).toHaveLength(2);
  });

  it("edits the reply to the outcome: status, duration, output with log() lines, result, the log's link", async () => {
    const github = edits();
    await replies().recorded(data(), execution, {
      path: "logs/chores/unlock/x.md",
      url: "https://github.com/acme/widgets/blob/c0ffee/logs/chores/unlock/x.md",
    });
    expect(github.bodies).toHaveLength(1);
    const body = github.bodies[0]!;
    expect(body).toContain("✅ **unlock** · `succeeded`");
    expect(body).toContain("took 2.0 s");
    expect(body).toContain("step one\ndone: [REDACTED]");
    expect(body).toContain('"unlocked": 3');
    expect(body).toContain("(https://github.com/acme/widgets/blob/c0ffee/logs/chores/unlock/x.md)");
  });

  it.each([403, 404, 500])("a failed edit (%i) is logged and never fails the run", async (status) => {
    edits(status);
    await expect(replies().recorded(data(), execution, { path: "p", url: "https://x" })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ runId: "widgets-chore-unlock-abc", replyId: REPLY, status });
  });

  it("edits nothing for a run without a reply (not a comment's, or its reply could not be posted)", async () => {
    const github = edits();
    expect(replies().started(data(null))).toBeNull();
    await replies().recorded(data(null), execution, { path: "p", url: "https://x" });
    expect(github.bodies).toEqual([]);
  });
});
