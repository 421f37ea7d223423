import type { FlowJob, FlowProducer, Job } from "bullmq";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MergedPush } from "../../../src/github/handle-push.js";
import { discoverStep } from "../../../src/pipeline/discover-step.js";
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

const paths = (flow: FlowJob | undefined): string[] => {
  const names: string[] = [];
  for (let node: any = flow; node; node = node.children?.[0]) if (node.queueName === "cleanup") names.unshift(node.name);
  return names;
};

function discover(flows: FlowProducer) {
  return discoverStep({
    octokitFor: async () => new TestOctokit({ auth: "token" }),
    flows,
    limits: { minApprovals: 1, maxTimeoutMs: 900_000 },
    githubStepAttempts: 3,
  })(fakeJob());
}

describe("discoverStep", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("queues every entry script the compare API shows as added, as one chain in path order", async () => {
    nock("https://api.github.com")
      .get(/\/repos\/acme\/(widgets|\.github)\/contents\/\.github(\/|%2F)chorebot\.yml/)
      .times(2)
      .reply(404, { message: "Not Found" })
      .get(`/repos/acme/widgets/compare/${push.before}...${push.after}`)
      .reply(200, {
        files: [
          { filename: "scripts/b-second.ts", status: "added" },
          { filename: "scripts/a-first.mjs", status: "added" },
          { filename: "scripts/_lib/db.ts", status: "added" },
          { filename: "scripts/a-first.test.ts", status: "added" },
          { filename: "scripts/old.ts", status: "modified" },
          { filename: "scripts/gone.ts", status: "removed" },
          { filename: "scripts/moved-in.ts", status: "renamed", previous_filename: "drafts/moved-in.ts" },
          { filename: "scripts/renamed.ts", status: "renamed", previous_filename: "scripts/was.ts" },
          { filename: "src/app.ts", status: "added" },
        ],
      });
    const { flows, added } = fakeFlows();
    const { runIds } = await discover(flows);
    expect(runIds).toHaveLength(3);
    expect(added).toHaveLength(1);
    expect(paths(added[0])).toEqual(["scripts/a-first.mjs", "scripts/b-second.ts", "scripts/moved-in.ts"]);
    expect((added[0]!.data as any).target).toMatchObject({ commit: push.after, configError: null, config: { order: "path" } });
  });

  it("queues nothing when the merge added no entry script", async () => {
    nock("https://api.github.com")
      .get(/\/contents\/\.github(\/|%2F)chorebot\.yml/)
      .times(2)
      .reply(404, { message: "Not Found" })
      .get(/\/compare\//)
      .reply(200, { files: [{ filename: "README.md", status: "modified" }] });
    const { flows, added } = fakeFlows();
    expect(await discover(flows)).toEqual({ runIds: [] });
    expect(added).toEqual([]);
  });

  it("lets a GitHub error through, so BullMQ retries the discovery", async () => {
    nock("https://api.github.com")
      .get(/\/contents\/\.github(\/|%2F)chorebot\.yml/)
      .times(2)
      .reply(404, { message: "Not Found" })
      .get(/\/compare\//)
      .reply(502, { message: "Server Error" });
    await expect(discover(fakeFlows().flows)).rejects.toMatchObject({ status: 502 });
  });
});
