import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { chorebotApp } from "../../../src/index.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";

// Attack: rename (or transfer) a repository with scheduled chores. Its schedulers, catalog and
// states are kept under the old name, and GitHub still answers for the old name (it redirects):
// every occurrence went on running under the old name, and once the first push under the new
// name was indexed, under the new one too: each occurrence ran twice, for good.
function setup() {
  const probot = testProbot();
  const forgotten: Array<{ owner: string; repo: string }> = [];
  void probot.load(
    chorebotApp({
      queuePush: async () => "job",
      checks: { scriptCwd: process.cwd(), scriptEnv: [], limits: { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" } },
      dashboard: null,
      runsApi: null,
      metrics: null,
      forgetRepositories: async (repositories) => void forgotten.push(...repositories),
    }),
  );
  return { probot, forgotten };
}

describe("a repository renamed or transferred", () => {
  // It asks GitHub nothing: any request would fail the test.
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("is forgotten under its old name when renamed", async () => {
    const { probot, forgotten } = setup();
    const payload = examplePayload("repository", (p) => p.action === "renamed");
    payload.changes.repository.name.from = "Old-World";
    await probot.receive({ id: "1", name: "repository", payload } as any);
    expect(forgotten).toEqual([{ owner: "Octocoders", repo: "Old-World" }]);
  });

  it("is forgotten under its old owner when transferred, from a user or an organization", async () => {
    const { probot, forgotten } = setup();
    const payload = examplePayload("repository", (p) => p.action === "transferred" && p.installation);
    await probot.receive({ id: "2", name: "repository", payload } as any);
    payload.changes.owner.from = { organization: { login: "acme" } };
    await probot.receive({ id: "3", name: "repository", payload } as any);
    expect(forgotten).toEqual([
      { owner: "octocat", repo: "Hello-World" },
      { owner: "acme", repo: "Hello-World" },
    ]);
  });

  it("keeps everything for the repository's other changes", async () => {
    const { probot, forgotten } = setup();
    for (const action of ["created", "edited", "publicized", "privatized"]) {
      const payload = examplePayload("repository", (p) => p.action === action);
      await probot.receive({ id: action, name: "repository", payload } as any);
    }
    expect(forgotten).toEqual([]);
  });
});
