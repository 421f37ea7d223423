import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { chorebotApp } from "../../../src/index.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { testProbot } from "../../helpers/test-probot.js";
import { defaultBranchPush } from "../../helpers/webhook-examples.js";

const BEFORE = "1".repeat(40);
const AFTER = "2".repeat(40);

function setup() {
  const probot = testProbot();
  const queued: ScriptTarget[] = [];
  probot.load(
    chorebotApp({
      enqueue: async (targets) => (queued.push(...targets), targets.map((t) => t.path)),
      checks: { scriptCwd: process.cwd(), scriptEnv: [], limits: { minApprovals: 1, maxTimeoutMs: 900_000 } },
      dashboard: null,
    }),
  );
  return { probot, queued };
}

describe("push handler", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("queues every entry script added between before and after, via the compare API", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER });
    const { owner, name } = { owner: payload.repository.owner.login, name: payload.repository.name };
    nock("https://api.github.com")
      .post(`/app/installations/${payload.installation.id}/access_tokens`)
      .reply(201, { token: "installation-token", permissions: { contents: "write" } })
      .get(/\/contents\/\.github(\/|%2F)chorebot\.yml/)
      .times(2)
      .reply(404, { message: "Not Found" })
      .get(`/repos/${owner}/${name}/compare/${BEFORE}...${AFTER}`)
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

    await probot.receive({ id: "1", name: "push", payload } as any);

    expect(queued).toEqual(
      ["scripts/a-first.mjs", "scripts/b-second.ts", "scripts/moved-in.ts"].map((path) => ({
        owner,
        repo: name,
        installationId: payload.installation.id,
        defaultBranch: "main",
        commit: AFTER,
        path,
        forced: false,
        config: expect.objectContaining({ scriptsDir: "scripts", order: "path", requiredApprovals: 1 }),
        configError: null,
      })),
    );
  });

  it("asks GitHub nothing and queues nothing for a push to another branch", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER, ref: "refs/heads/main-v2" });
    await probot.receive({ id: "2", name: "push", payload } as any);
    expect(queued).toEqual([]);
  });

  it("ignores a signed payload that is not a usable push, without asking GitHub", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER });
    delete payload.repository.owner;
    await probot.receive({ id: "4", name: "push", payload } as any);
    const bad = defaultBranchPush({ before: "not-a-sha", after: AFTER });
    await probot.receive({ id: "5", name: "push", payload: bad } as any);
    expect(queued).toEqual([]);
  });

  it("queues nothing when the push added no entry script", async () => {
    const { probot, queued } = setup();
    const payload = defaultBranchPush({ before: BEFORE, after: AFTER });
    nock("https://api.github.com")
      .post(`/app/installations/${payload.installation.id}/access_tokens`)
      .reply(201, { token: "installation-token" })
      .get(/\/contents\/\.github(\/|%2F)chorebot\.yml/)
      .times(2)
      .reply(404, { message: "Not Found" })
      .get(/\/compare\//)
      .reply(200, { files: [{ filename: "README.md", status: "modified" }] });
    await probot.receive({ id: "3", name: "push", payload } as any);
    expect(queued).toEqual([]);
  });
});
