import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, fakeAppJwt, type Api } from "./test-client.js";
import { BOT_LOGIN } from "./users.js";

// Comments written by people, their issue_comment payloads, and reactions on issue comments,
// as docs.github.com documents them (reactions: 201 for a new one, 200 for one the user had).
describe("GitHub stand-in: people's comments and reactions on issue comments", () => {
  let gh: GitHubStandIn;
  let api: Api;
  let number: number;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
    ({ number } = await gh.openPullRequest({ files: { "README.md": "changed\n" } }));
  });
  afterAll(async () => {
    await gh.close();
  });

  it("commentAs: a person's comment, listed and read through the API, and its issue_comment.created payload", async () => {
    const { id, payload } = gh.commentAs("alice", number, "/chorebot help");
    const { body: comment } = await api("GET", `${repoPath()}/issues/comments/${id}`);
    expect(comment).toMatchObject({ id, body: "/chorebot help", user: { login: "alice", type: "User" }, author_association: "MEMBER" });
    expect(payload).toMatchObject({
      action: "created",
      comment: { id, body: "/chorebot help", user: { login: "alice" }, html_url: comment.html_url },
      issue: { number, pull_request: { url: `${gh.baseUrl}${repoPath()}/pulls/${number}` } },
      repository: { name: gh.repo, owner: { login: gh.owner } },
      installation: { id: gh.installationId },
      sender: { login: "alice", type: "User" },
    });
    expect(payload).not.toHaveProperty("changes");
    expect(gh.comments(number).map((c) => c.user)).toContain("alice");
    expect(() => gh.commentAs("alice", 999, "x")).toThrow(/no pull request #999/);
  });

  it("a bot's comment is by a Bot user; editCommentAs gives issue_comment.edited with changes.body.from", async () => {
    const { payload } = gh.commentAs("dependabot[bot]", number, "/chorebot run x");
    expect(payload).toMatchObject({ comment: { user: { login: "dependabot[bot]", type: "Bot" } }, sender: { type: "Bot" } });
    const { id } = gh.commentAs("bob", number, "first");
    const edited = gh.editCommentAs("bob", id, "/chorebot run x");
    expect(edited).toMatchObject({
      action: "edited",
      changes: { body: { from: "first" } },
      comment: { id, body: "/chorebot run x" },
      sender: { login: "bob" },
    });
  });

  it("POST reactions: 201 for a new reaction, 200 with the same reaction for one the app had; the comment counts them", async () => {
    const { id } = gh.commentAs("alice", number, "/chorebot status r");
    const path = `${repoPath()}/issues/comments/${id}/reactions`;
    const first = await api("POST", path, { content: "eyes" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ content: "eyes", user: { login: BOT_LOGIN, type: "Bot" } });
    expect(typeof first.body.id).toBe("number");
    expect(typeof first.body.created_at).toBe("string");
    const again = await api("POST", path, { content: "eyes" });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await api("POST", path, { content: "rocket" })).status).toBe(201);
    expect(gh.reactAs("alice", id, "eyes")).toBe(true);
    expect(gh.reactAs("alice", id, "eyes")).toBe(false);
    const { body: comment } = await api("GET", `${repoPath()}/issues/comments/${id}`);
    expect(comment.reactions).toMatchObject({ total_count: 3, eyes: 2, rocket: 1, "+1": 0 });
  });

  it("GET reactions: every one, or one content, paginated; who made each", async () => {
    const { id } = gh.commentAs("alice", number, "hello");
    for (const login of ["u1", "u2", "u3"]) gh.reactAs(login, id, "eyes");
    gh.reactAs("u1", id, "heart");
    const path = `${repoPath()}/issues/comments/${id}/reactions`;
    const all = await api("GET", path);
    expect(all.body.map((r: { user: { login: string }; content: string }) => `${r.user.login}:${r.content}`)).toEqual([
      "u1:eyes",
      "u2:eyes",
      "u3:eyes",
      "u1:heart",
    ]);
    const eyes = await api("GET", `${path}?content=eyes&per_page=2`);
    expect(eyes.body).toHaveLength(2);
    expect(eyes.headers.get("link")).toContain('rel="next"');
    expect(gh.reactions(id)).toHaveLength(4);
  });

  it("refuses what GitHub refuses: an unknown reaction (422), a missing comment (404), no token (401)", async () => {
    const { id } = gh.commentAs("alice", number, "hello");
    const path = `${repoPath()}/issues/comments/${id}/reactions`;
    expect((await api("POST", path, { content: "thumbsup" })).status).toBe(422);
    expect((await api("POST", path, {})).status).toBe(422);
    expect((await api("GET", `${path}?content=nope`)).status).toBe(422);
    expect((await api("POST", `${repoPath()}/issues/comments/1/reactions`, { content: "eyes" })).status).toBe(404);
    expect((await fetch(`${gh.baseUrl}${path}`)).status).toBe(401);
    expect(() => gh.reactAs("alice", id, "thumbsup")).toThrow(/no reaction/);
  });

  it("GET /app with the app's JWT: its slug, which names its bot user", async () => {
    const response = await fetch(`${gh.baseUrl}/app`, { headers: { authorization: `Bearer ${fakeAppJwt(4242)}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 4242, slug: BOT_LOGIN.replace(/\[bot\]$/, "") });
    expect((await api("GET", "/app")).status).toBe(401);
  });
});
