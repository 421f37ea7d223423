import type { FlowJob, FlowProducer, Job } from "bullmq";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MergedPush } from "../../../src/github/handle-push.js";
import { discoverStep } from "../../../src/steps/discover-step.js";
import { TestOctokit } from "../../helpers/test-probot.js";

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
const MERGED_AT = "2026-12-31T23:30:00-02:00";
const blob = (n: number) => String(n).padStart(40, "b");

function fakeJob(): Job<MergedPush> {
  return { data: push, log: async () => 0 } as unknown as Job<MergedPush>;
}

/** Records what would be queued instead of talking to Redis. */
function fakeFlows() {
  const added: FlowJob[] = [];
  const flows = {
    add: async (flow: FlowJob) => (added.push(flow), {}),
    addBulk: async (list: FlowJob[]) => (added.push(...list), []),
  } as unknown as FlowProducer;
  return { flows, added };
}

const targets = (flow: FlowJob | undefined): any[] => {
  const found: any[] = [];
  for (let node: any = flow; node; node = node.children?.[0]) if (node.queueName === "cleanup") found.unshift(node.data.target);
  return found;
};

function discover(flows: FlowProducer) {
  return discoverStep({
    octokitFor: async () => new TestOctokit({ auth: "token" }),
    flows,
    limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" },
    githubStepAttempts: 3,
    associationWaitMs: 0,
  })(fakeJob());
}

const tree = (files: Record<string, string>) => ({
  sha: "t".repeat(40),
  truncated: false,
  tree: Object.entries(files).map(([path, sha]) => ({ path, mode: "100644", type: "blob", sha })),
});

/** GitHub as discover reads it for `push`: one pull request (#5) merged at `after` with `prFiles`. */
function github(o: { before: Record<string, string>; after: Record<string, string>; prFiles: object[] }) {
  return nock("https://api.github.com")
    .get(/\/repos\/acme\/widgets\/contents\/\.github(\/|%2F)chorebot\.yml/)
    .query({ ref: push.before })
    .reply(404, { message: "Not Found" })
    .get(/\/repos\/acme\/\.github\/contents\//)
    .query(true)
    .reply(404, { message: "Not Found" })
    .get(`/repos/acme/widgets/git/trees/${push.before}`)
    .query({ recursive: "1" })
    .reply(200, tree(o.before))
    .get(`/repos/acme/widgets/git/trees/${push.after}`)
    .query({ recursive: "1" })
    .reply(200, tree(o.after))
    .get(`/repos/acme/widgets/git/commits/${push.after}`)
    .reply(200, { sha: push.after, parents: [{ sha: push.before }, { sha: HEAD }], committer: { email: "noreply@github.com", date: MERGED_AT } })
    .get(`/repos/acme/widgets/commits/${push.after}/pulls`)
    .query(true)
    .reply(200, [
      {
        number: 5,
        title: "Add scripts",
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
    .reply(200, o.prFiles);
}

// A file beside a script named like its inputs file in another case, or `.inputs.yaml`, is not
// read: the script would run on its defaults while the values reviewers approved sit beside it.
// The pull request check fails such a file, but a check is no gate: the push refuses the run.
describe("an inputs file under a look-alike name", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it.each(["scripts/fix.Inputs.yml", "scripts/fix.inputs.YML", "scripts/Fix.inputs.yml", "scripts/fix.inputs.yaml", "scripts/fix.INPUTS.yaml"])(
    "%s refuses the script's run, naming it",
    async (lookalike) => {
      github({
        before: {},
        after: { "scripts/fix.ts": blob(1), [lookalike]: blob(2) },
        prFiles: [
          { filename: "scripts/fix.ts", status: "added", sha: blob(1) },
          { filename: lookalike, status: "added", sha: blob(2) },
        ],
      });
      const { flows, added } = fakeFlows();
      await discover(flows);
      const [target] = targets(added[0]);
      expect(target.path).toBe("scripts/fix.ts");
      expect(target.refusal).toBe(
        `${lookalike} is beside scripts/fix.ts, but its values are read only from scripts/fix.inputs.yml: rename it (the script would run on its defaults, not on the values reviewed there)`,
      );
    },
  );

  it("leaves a script alone beside another script's inputs file", async () => {
    github({
      before: {},
      after: { "scripts/fix.ts": blob(1), "scripts/fix-more.inputs.yml": blob(2), "scripts/other/fix.inputs.yml": blob(3) },
      prFiles: [{ filename: "scripts/fix.ts", status: "added", sha: blob(1) }],
    });
    const { flows, added } = fakeFlows();
    await discover(flows);
    expect(targets(added[0])[0].refusal).toBeNull();
  });
});
