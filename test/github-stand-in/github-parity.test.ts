import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, type Api } from "./test-client.js";

/**
 * Where chorebot's provenance checks depend on GitHub's behaviour, the stand-in does what
 * docs.github.com documents: response shapes, status codes, caps, pagination, merge methods.
 */

describe("GitHub stand-in parity: permissions, association lag, merge methods, trees", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("collaborators/{username}/permission: legacy base permission, role_name, collaborator with permissions", async () => {
    const permission = (login: string) => api("GET", `${repoPath()}/collaborators/${encodeURIComponent(login)}/permission`);

    // Never set: "write" (a test convenience); the owner: "admin".
    const anyone = await permission("someone");
    expect(anyone.status).toBe(200);
    expect(anyone.body).toMatchObject({
      permission: "write",
      role_name: "write",
      user: {
        login: "someone",
        id: expect.any(Number),
        type: "User",
        site_admin: false,
        role_name: "write",
        permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      },
    });
    expect((await permission(gh.owner)).body).toMatchObject({ permission: "admin", role_name: "admin" });

    // GitHub maps maintain → write and triage → read; role_name keeps the role.
    const expected = {
      admin: ["admin", { admin: true, maintain: true, push: true, triage: true, pull: true }],
      maintain: ["write", { admin: false, maintain: true, push: true, triage: true, pull: true }],
      write: ["write", { admin: false, maintain: false, push: true, triage: true, pull: true }],
      triage: ["read", { admin: false, maintain: false, push: false, triage: true, pull: true }],
      read: ["read", { admin: false, maintain: false, push: false, triage: false, pull: true }],
      none: ["none", { admin: false, maintain: false, push: false, triage: false, pull: false }],
    } as const;
    for (const [role, [base, permissions]] of Object.entries(expected)) {
      gh.setPermission(`user-${role}`, role as keyof typeof expected);
      const got = await permission(`user-${role}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        permission: base,
        role_name: role,
        user: expect.objectContaining({ login: `user-${role}`, permissions, role_name: role }),
      });
    }

    // Logins are case-insensitive; the answer spells the login as GitHub knows it.
    gh.setPermission("Mallory", "read");
    expect((await permission("mallory")).body).toMatchObject({ permission: "read", user: { login: "Mallory" } });

    // An app's bot is not a user: GitHub's 404, never a role.
    const bot = await permission("dependabot[bot]");
    expect(bot.status).toBe(404);
    expect(bot.body).toMatchObject({ message: "dependabot[bot] is not a user", documentation_url: expect.any(String) });
    expect(() => gh.setPermission("chorebot[bot]", "write")).toThrow(/apps cannot be/);

    expect((await api("GET", `/repos/${gh.owner}/elsewhere/collaborators/someone/permission`)).status).toBe(404);
    const anonymous = await fetch(`${gh.baseUrl}${repoPath()}/collaborators/someone/permission`);
    expect(anonymous.status).toBe(401);
  });

  it("lagPullAssociations: the next requests for commits/{sha}/pulls answer [] (200), then the PR", async () => {
    const merged = await gh.mergePullRequest({ files: { "scripts/lagged.ts": "1;\n" }, approvals: ["bob"] });
    gh.lagPullAssociations(2);
    // An unknown commit is still a 422 and does not use up the lag.
    expect((await api("GET", `${repoPath()}/commits/${"f".repeat(40)}/pulls`)).status).toBe(422);
    for (let i = 0; i < 2; i++) {
      const lagging = await api("GET", `${repoPath()}/commits/${merged.after}/pulls`);
      expect(lagging).toMatchObject({ status: 200, body: [] });
    }
    const settled = await api("GET", `${repoPath()}/commits/${merged.after}/pulls`);
    expect(settled.body.map((pr: { number: number }) => pr.number)).toEqual([merged.number]);
  });

  it("git/trees?recursive stops at the entry limit with truncated: true; non-recursive listings are never cut", async () => {
    await gh.commitFiles({ files: { "deep/a/1.txt": "1\n", "deep/a/2.txt": "2\n", "deep/b/3.txt": "3\n" } });
    const tree = async (query: string) => (await api("GET", `${repoPath()}/git/trees/main${query}`)).body;
    const full = await tree("?recursive=1");
    expect(full.truncated).toBe(false);
    expect(full.tree.length).toBeGreaterThan(5);

    gh.setTreeEntryLimit(4);
    for (const value of ["1", "0", "false"]) {
      // GitHub: any value of `recursive` turns recursion on.
      const cut = await tree(`?recursive=${value}`);
      expect(cut).toMatchObject({ sha: full.sha, truncated: true });
      expect(cut.tree).toEqual(full.tree.slice(0, 4));
    }
    gh.setTreeEntryLimit(1);
    const top = await tree("");
    expect(top.truncated).toBe(false);
    expect(top.tree.length).toBeGreaterThan(1);
    expect(top.tree.every((entry: { path: string }) => !entry.path.includes("/"))).toBe(true);

    gh.setTreeEntryLimit(null);
    expect(await tree("?recursive=1")).toEqual(full);
  });

});

describe("GitHub stand-in parity: latency", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ latencyMs: 120 });
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("delays every answer, REST and GraphQL, records arrival times, and holds no mutex while waiting", async () => {
    const started = Date.now();
    const answer = await api("GET", repoPath());
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    const recorded = gh.requests.at(-1)!;
    expect(recorded).toMatchObject({ method: "GET", path: repoPath(), status: 200 });
    expect(recorded.at).toBeGreaterThanOrEqual(started - 5);
    expect(recorded.ms).toBeGreaterThanOrEqual(115);

    gh.setLatency(300);
    const graphql = Date.now();
    const mutation = await fetch(`http://${gh.host}/api/graphql`, { method: "POST", body: JSON.stringify({ query: "{ viewer { login } }" }) });
    expect(mutation.status).toBe(401);
    expect(Date.now() - graphql).toBeGreaterThanOrEqual(295);

    // Writes take the repository mutex; their waits overlap, and a helper commit goes ahead meanwhile.
    const count = gh.requests.length;
    const writes = Promise.all(
      [1, 2, 3].map((i) => api("POST", `${repoPath()}/git/blobs`, { content: `blob ${i}` })),
    );
    await gh.commitFiles({ files: { "during-latency.txt": "1\n" } });
    const helperDone = Date.now();
    const results = await writes;
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    const blobs = gh.requests.slice(count).filter((r) => r.path.endsWith("/git/blobs"));
    expect(blobs).toHaveLength(3);
    const firstEnd = Math.min(...blobs.map((r) => r.at + r.ms));
    expect(blobs.every((r) => r.at < firstEnd)).toBe(true);
    expect(helperDone).toBeLessThan(firstEnd);

    gh.setLatency(0);
    await api("GET", repoPath());
    expect(gh.requests.at(-1)!.ms).toBeLessThan(250);
  });
});

