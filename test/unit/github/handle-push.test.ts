import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MergedPush } from "../../../src/github/handle-push.js";
import { chorebotApp } from "../../../src/index.js";
import { testProbot } from "../../helpers/test-probot.js";
import { defaultBranchPush } from "../../helpers/webhook-examples.js";

const BEFORE = "1".repeat(40);
const AFTER = "2".repeat(40);

function setup() {
  const probot = testProbot();
  const queued: MergedPush[] = [];
  // load() settles at once for an app function that returns nothing.
  void probot.load(
    chorebotApp({
      queuePush: async (push) => (queued.push(push), "job"),
      checks: { scriptCwd: process.cwd(), scriptEnv: [], limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" } },
      dashboard: null,
      runsApi: null,
      metrics: null,
    }),
  );
  return { probot, queued };
}

describe("push handler", () => {
  // The handler asks GitHub nothing: any request would fail the test.
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("queues a fast-forward of the default branch for discovery, from a real payload", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER });
    await probot.receive({ id: "1", name: "push", payload } as any);
    expect(queued).toEqual([
      {
        owner: payload.repository.owner.login,
        repo: payload.repository.name,
        installationId: payload.installation.id,
        defaultBranch: "main",
        before: BEFORE,
        after: AFTER,
        forced: false,
      },
    ]);
  });

  it("queues nothing for a push to another branch", async () => {
    const { probot, queued } = setup();
    await probot.receive({ id: "2", name: "push", payload: defaultBranchPush({ before: BEFORE, after: AFTER, ref: "refs/heads/main-v2" }) } as any);
    expect(queued).toEqual([]);
  });

  it("ignores a signed payload that is not a usable push", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER });
    delete payload.repository.owner;
    await probot.receive({ id: "4", name: "push", payload } as any);
    await probot.receive({ id: "5", name: "push", payload: defaultBranchPush({ before: "not-a-sha", after: AFTER }) } as any);
    expect(queued).toEqual([]);
  });

  it("passes a force-push on, marked, so its scripts are refused with a record", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER });
    payload.forced = true;
    await probot.receive({ id: "6", name: "push", payload } as any);
    expect(queued).toMatchObject([{ forced: true }]);
  });
});
