import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommandGuard } from "../../../src/chatops/command-guard.js";
import { useRedisClient } from "../../helpers/redis-client.js";
import { TestOctokit } from "../../helpers/test-probot.js";
import { examplePayload } from "../../helpers/webhook-examples.js";

const API = "https://api.github.com";
const BOT = "chorebot[bot]";
const payload = examplePayload("issue_comment", (p) => p.action === "created");
const owner: string = payload.repository.owner.login;
const repo: string = payload.repository.name;
const comment = { owner, repo, commentId: payload.comment.id as number };
const reactions = `/repos/${owner}/${repo}/issues/comments/${comment.commentId}/reactions`;
const octokit = () => new TestOctokit({ auth: "token" });
const reaction = (login: string, content = "eyes") => ({
  id: 1,
  node_id: "R",
  user: { login, type: login.endsWith("[bot]") ? "Bot" : "User" },
  content,
  created_at: "",
});

describe("CommandGuard", () => {
  const redis = useRedisClient();
  let guard: CommandGuard;
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(async () => {
    await redis().flushall();
    guard = new CommandGuard(redis(), "{chorebot}", async () => BOT);
  });
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("takes a comment once: the first delivery adds 👀 (201), later ones stop at Redis without asking GitHub", async () => {
    nock(API)
      .get(reactions)
      .query({ content: "eyes", per_page: 100, page: 1 })
      .reply(200, [reaction("someone")]);
    nock(API).post(reactions, { content: "eyes" }).reply(201, reaction(BOT));
    expect(await guard.take(octokit(), comment)).toBe(true);
    expect(await guard.take(octokit(), comment)).toBe(false);
    expect(await redis().pttl(`{chorebot}:command:${comment.commentId}`)).toBeGreaterThan(29 * 24 * 3600 * 1000);
  });

  it("two deliveries at once: one takes it, whichever wins Redis; GitHub is asked once", async () => {
    nock(API).get(reactions).query(true).reply(200, []);
    nock(API).post(reactions).reply(201, reaction(BOT));
    const taken = await Promise.all([guard.take(octokit(), comment), guard.take(octokit(), comment), guard.take(octokit(), comment)]);
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it("once Redis forgot it, chorebot's own 👀 says it was taken (others' do not), looked for past the first page", async () => {
    const others = Array.from({ length: 100 }, (_, i) => reaction(`user${i}`));
    nock(API).get(reactions).query({ content: "eyes", per_page: 100, page: 1 }).reply(200, others);
    nock(API)
      .get(reactions)
      .query({ content: "eyes", per_page: 100, page: 2 })
      .reply(200, [reaction("ChoreBot[bot]")]);
    expect(await guard.take(octokit(), comment)).toBe(false);
  });

  it("a 200 for the reaction means another delivery added it first: not taken", async () => {
    nock(API).get(reactions).query(true).reply(200, []);
    nock(API).post(reactions).reply(200, reaction(BOT));
    expect(await guard.take(octokit(), comment)).toBe(false);
  });

  it("lets the comment go when GitHub fails before the reaction is added: a redelivery may take it", async () => {
    nock(API).get(reactions).query(true).reply(502, { message: "Bad Gateway" });
    await expect(guard.take(octokit(), comment)).rejects.toMatchObject({ status: 502 });
    nock(API).get(reactions).query(true).reply(200, []);
    nock(API).post(reactions).reply(201, reaction(BOT));
    expect(await guard.take(octokit(), comment)).toBe(true);
  });

  it("lets the comment go when the bot's login cannot be learnt", async () => {
    const failing = new CommandGuard(redis(), "{chorebot}", () => Promise.reject(new Error("GET /app failed")));
    await expect(failing.take(octokit(), comment)).rejects.toThrow("GET /app failed");
    expect(await redis().exists(`{chorebot}:command:${comment.commentId}`)).toBe(0);
  });
});
