import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { permissionLookup } from "../../../src/auth/permission-lookup.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { startGitHubStandIn, type GitHubStandIn } from "../../github-stand-in/index.js";
import { fakeAppJwt } from "../../github-stand-in/test-client.js";
import { TestOctokit } from "../../helpers/test-probot.js";

let gh: GitHubStandIn;
let octokit: GitHubClient;
let repo: { owner: string; repo: string; installationId: number };

beforeAll(async () => {
  gh = await startGitHubStandIn();
  const issued = await fetch(`${gh.baseUrl}/app/installations/${gh.installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${fakeAppJwt()}` },
  });
  const { token } = (await issued.json()) as { token: string };
  octokit = new TestOctokit({ auth: { token }, baseUrl: gh.baseUrl });
  repo = { owner: gh.owner, repo: gh.repo, installationId: gh.installationId };
});

afterAll(async () => {
  await gh.close();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A lookup on the stand-in, and how many permission requests it has made. */
function lookup(ttlMs?: number) {
  const installations: number[] = [];
  const find = permissionLookup({
    octokitFor: async (installationId) => {
      installations.push(installationId);
      return octokit;
    },
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });
  const asked = (login: string) => gh.requests.filter((r) => r.path === `/repos/${gh.owner}/${gh.repo}/collaborators/${login}/permission`).length;
  return { find, asked, installations };
}

describe("permissionLookup", () => {
  it.each(["admin", "maintain", "write", "triage", "read", "none"] as const)("answers the role %s as GitHub names it", async (role) => {
    const login = `role-${role}`;
    gh.setPermission(login, role);
    const { find, installations } = lookup();
    expect(await find(repo, login)).toBe(role);
    expect(installations).toEqual([gh.installationId]);
  });

  it("answers none for a 404 (not a user GitHub knows as a collaborator)", async () => {
    const { find } = lookup();
    expect(await find(repo, "dependabot[bot]")).toBe("none");
    gh.failNext({ method: "GET", path: /\/collaborators\/ghost\/permission$/, status: 404 });
    expect(await find(repo, "ghost")).toBe("none");
  });

  it("falls back to the base permission under a custom role", async () => {
    gh.failNext({
      method: "GET",
      path: /\/collaborators\/deployer\/permission$/,
      status: 200,
      body: { permission: "write", role_name: "deploy-manager", user: null },
    });
    const { find } = lookup();
    expect(await find(repo, "deployer")).toBe("write");
  });

  it("caches an answer per repository and login for its TTL, then asks GitHub again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    gh.setPermission("frank", "write");
    const { find, asked } = lookup(60_000);
    expect(await find(repo, "frank")).toBe("write");
    gh.setPermission("frank", "read");
    vi.advanceTimersByTime(59_999);
    expect(await find(repo, "frank")).toBe("write");
    expect(await find({ ...repo, owner: gh.owner.toUpperCase() }, "FRANK")).toBe("write");
    expect(asked("frank")).toBe(1);

    vi.advanceTimersByTime(1);
    expect(await find(repo, "frank")).toBe("read");
    expect(asked("frank")).toBe(2);
  });

  it("caches for 2 minutes by default", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    gh.setPermission("gina", "admin");
    const { find, asked } = lookup();
    await find(repo, "gina");
    vi.advanceTimersByTime(2 * 60 * 1000 - 1);
    await find(repo, "gina");
    expect(asked("gina")).toBe(1);
    vi.advanceTimersByTime(1);
    await find(repo, "gina");
    expect(asked("gina")).toBe(2);
  });

  it("shares one request between lookups at the same time", async () => {
    const { find, asked } = lookup();
    expect(await Promise.all([find(repo, "hank"), find(repo, "hank"), find(repo, "hank")])).toEqual(["write", "write", "write"]);
    expect(asked("hank")).toBe(1);
  });

  it("throws a failed lookup and does not cache it", async () => {
    gh.setPermission("ivan", "maintain");
    const { find, asked } = lookup();
    gh.failNext({ method: "GET", path: /\/collaborators\/ivan\/permission$/, status: 500 });
    await expect(find(repo, "ivan")).rejects.toMatchObject({ status: 500 });
    expect(await find(repo, "ivan")).toBe("maintain");
    expect(asked("ivan")).toBe(2);
  });

  it("asks every time with a TTL of 0, and refuses a TTL over 5 minutes", async () => {
    const { find, asked } = lookup(0);
    await find(repo, "jane");
    await find(repo, "jane");
    expect(asked("jane")).toBe(2);
    expect(() => permissionLookup({ octokitFor: async () => octokit, ttlMs: 5 * 60 * 1000 + 1 })).toThrow(RangeError);
    expect(() => permissionLookup({ octokitFor: async () => octokit, ttlMs: -1 })).toThrow(RangeError);
  });

  it("keeps at most 5,000 answers, forgetting the oldest first", async () => {
    const asked: string[] = [];
    const client = {
      rest: {
        repos: {
          getCollaboratorPermissionLevel: async ({ username }: { username: string }) => {
            asked.push(username);
            return { data: { permission: "read", role_name: "read" } };
          },
        },
      },
    } as unknown as GitHubClient;
    const find = permissionLookup({ octokitFor: async () => client });
    for (let i = 0; i <= 5_000; i++) await find(repo, `user${i}`);
    await find(repo, "user5000");
    await find(repo, "user1");
    expect(asked.length).toBe(5_001);
    await find(repo, "user0");
    expect(asked.length).toBe(5_002);
  });
});
