import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { chorebotApp } from "../../../src/index.js";
import { testProbot } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";

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

describe("uninstall handler", () => {
  // It asks GitHub nothing: any request would fail the test.
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("forgets the repositories of a deleted installation, from a real payload", async () => {
    const { probot, forgotten } = setup();
    const payload = examplePayload("installation", (p) => p.action === "deleted");
    await probot.receive({ id: "1", name: "installation", payload } as any);
    expect(forgotten).toEqual([{ owner: "octocat", repo: "Hello-World" }]);
  });

  it("forgets the repositories taken out of an installation, and only those", async () => {
    const { probot, forgotten } = setup();
    const payload = examplePayload("installation_repositories", (p) => p.action === "removed");
    await probot.receive({ id: "2", name: "installation_repositories", payload } as any);
    expect(forgotten).toEqual([{ owner: "octocat", repo: "Hello-World" }]);
  });

  it("keeps everything when an installation is created or repositories are added", async () => {
    const { probot, forgotten } = setup();
    await probot.receive({ id: "3", name: "installation", payload: examplePayload("installation", (p) => p.action === "created") } as any);
    await probot.receive({
      id: "4",
      name: "installation_repositories",
      payload: examplePayload("installation_repositories", (p) => p.action === "added"),
    } as any);
    expect(forgotten).toEqual([]);
  });
});
