import type { FlowJob, FlowProducer, Job } from "bullmq";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MergedPush } from "../../../src/github/handle-push.js";
import { discoverStep } from "../../../src/steps/discover-step.js";
import { TestOctokit } from "../../helpers/test-probot.js";

// Merging a chore never runs it: chores stay in the repository and run on demand only.

const push: MergedPush = {
  owner: "acme",
  repo: "widgets",
  installationId: 7,
  defaultBranch: "main",
  before: "1".repeat(40),
  after: "2".repeat(40),
  forced: false,
};
const HEAD = "3".repeat(40);
const blob = (n: number) => String(n).padStart(40, "b");

function discover() {
  const added: FlowJob[] = [];
  const flows = {
    add: async (flow: FlowJob) => (added.push(flow), {}),
    addBulk: async (list: FlowJob[]) => (added.push(...list), []),
  } as unknown as FlowProducer;
  const job = { data: push, log: async () => 0 } as unknown as Job<MergedPush>;
  const step = discoverStep({
    octokitFor: async () => new TestOctokit({ auth: "token" }),
    flows,
    limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" },
    githubStepAttempts: 3,
    associationWaitMs: 0,
  });
  return step(job).then((result) => ({ ...result, added }));
}

const queuedPaths = (flows: FlowJob[]): string[] => {
  const found: string[] = [];
  for (const flow of flows) for (let node: any = flow; node; node = node.children?.[0]) if (node.queueName === "cleanup") found.unshift(node.data.target.path);
  return found;
};

const tree = (files: Record<string, string>) => ({
  sha: "t".repeat(40),
  truncated: false,
  tree: Object.entries(files).map(([path, sha]) => ({ path, mode: "100644", type: "blob", sha })),
});

/** GitHub without a chorebot.yml (the default folders), with the push's two trees; chain the rest on. */
function github(before: Record<string, string>, after: Record<string, string>) {
  return nock("https://api.github.com")
    .get(/\/contents\//)
    .times(2)
    .query(true)
    .reply(404, { message: "Not Found" })
    .get(`/repos/acme/widgets/git/trees/${push.before}`)
    .query(true)
    .reply(200, tree(before))
    .get(`/repos/acme/widgets/git/trees/${push.after}`)
    .query(true)
    .reply(200, tree(after));
}

describe("discoverStep and chores", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("queues nothing for a push that adds, edits or moves chores", async () => {
    github(
      { "chores/tidy.ts": blob(1), "chores/old-name.ts": blob(2), "scripts/_lib/db.ts": blob(3) },
      {
        "chores/tidy.ts": blob(4),
        "chores/new-name.ts": blob(2),
        "chores/unlock.ts": blob(5),
        "chores/billing/refund.mjs": blob(6),
        "chores/_lib/db.ts": blob(7),
        "scripts/_lib/db.ts": blob(3),
      },
    );
    const { runIds, added } = await discover();
    expect(runIds).toEqual([]);
    expect(added).toEqual([]);
  });

  it("queues the scripts of a pull request that adds scripts and chores, and none of its chores", async () => {
    github({}, { "scripts/once.ts": blob(1), "chores/unlock.ts": blob(2) })
      .get(`/repos/acme/widgets/git/commits/${push.after}`)
      .reply(200, { sha: push.after, parents: [{ sha: push.before }, { sha: HEAD }], committer: { email: "noreply@github.com", date: "2026-12-01T00:00:00Z" } })
      .get(`/repos/acme/widgets/commits/${push.after}/pulls`)
      .query(true)
      .reply(200, [
        {
          number: 5,
          title: "A script and a chore",
          html_url: "https://github.com/acme/widgets/pull/5",
          user: { login: "alice" },
          head: { sha: HEAD },
          base: { ref: "main" },
          merged_at: "2026-12-01T00:00:00Z",
          merge_commit_sha: push.after,
        },
      ])
      .get("/repos/acme/widgets/pulls/5/files")
      .query(true)
      .reply(200, [
        { filename: "scripts/once.ts", status: "added", sha: blob(1) },
        { filename: "chores/unlock.ts", status: "added", sha: blob(2) },
      ]);
    const { runIds, added } = await discover();
    expect(runIds).toHaveLength(1);
    expect(queuedPaths(added)).toEqual(["scripts/once.ts"]);
  });
});
