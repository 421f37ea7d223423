// What the discover step's tests share: one merged push, GitHub as discover reads it (nock), and the flows it would queue.
import type { FlowJob, FlowProducer, Job } from "bullmq";
import nock from "nock";
import type { MergedPush } from "../../../src/github/handle-push.js";
import { discoverStep } from "../../../src/steps/discover-step.js";
import { TestOctokit } from "../../helpers/test-probot.js";

export const push: MergedPush = {
  owner: "acme",
  repo: "widgets",
  installationId: 7,
  defaultBranch: "main",
  before: "1".repeat(40),
  after: "2".repeat(40),
  forced: false,
};
export const HEAD = "3".repeat(40);
export const MERGED_AT = "2026-12-31T23:30:00-02:00";
export const blob = (n: number) => String(n).padStart(40, "b");

export function fakeJob(): Job<MergedPush> {
  return { data: push, log: async () => 0 } as unknown as Job<MergedPush>;
}

/** Records what would be queued instead of talking to Redis. */
export function fakeFlows() {
  const added: FlowJob[] = [];
  const flows = {
    add: async (flow: FlowJob) => (added.push(flow), {}),
    addBulk: async (list: FlowJob[]) => (added.push(...list), []),
  } as unknown as FlowProducer;
  return { flows, added };
}

export const targets = (flow: FlowJob | undefined): any[] => {
  const found: any[] = [];
  for (let node: any = flow; node; node = node.children?.[0]) if (node.queueName === "cleanup") found.unshift(node.data.target);
  return found;
};

export function discover(flows: FlowProducer) {
  return discoverStep({
    octokitFor: async () => new TestOctokit({ auth: "token" }),
    flows,
    limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" },
    githubStepAttempts: 3,
    associationWaitMs: 0,
  })(fakeJob());
}

export const tree = (files: Record<string, string>) => ({
  sha: "t".repeat(40),
  truncated: false,
  tree: Object.entries(files).map(([path, sha]) => ({ path, mode: "100644", type: "blob", sha })),
});

/** GitHub as discover reads it for `push`: one pull request (#5) merged at `after` with `prFiles`. */
export function github(o: { before: Record<string, string>; after: Record<string, string>; prFiles: object[] }) {
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
