import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { approvalsOfHead, countApprovals } from "../../../src/github/count-approvals.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const HEAD = "h".repeat(40);
const pull = { owner: "acme", repo: "widgets", number: 7, author: "alice", headSha: HEAD };
const review = (login: string, state: string, commit = HEAD, type = "User") => ({ user: { login, type }, state, commit_id: commit });
const api = () => nock("https://api.github.com");
const permission = (login: string, level: string) =>
  api()
    .get(`/repos/acme/widgets/collaborators/${encodeURIComponent(login)}/permission`)
    .reply(200, { permission: level, role_name: level, user: { login } });

describe("countApprovals", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("reads every page of reviews: a later page's verdict replaces an earlier one", async () => {
    const page2 = "https://api.github.com/repositories/1/pulls/7/reviews?per_page=100&page=2";
    api()
      .get("/repos/acme/widgets/pulls/7/reviews")
      .query({ per_page: 100 })
      .reply(200, [review("bob", "APPROVED"), review("carol", "APPROVED"), ...Array.from({ length: 98 }, () => review("carol", "COMMENTED"))], {
        link: `<${page2}>; rel="next", <${page2}>; rel="last"`,
      })
      .get("/repositories/1/pulls/7/reviews")
      .query({ per_page: 100, page: 2 })
      .reply(200, [review("bob", "DISMISSED"), review("dave", "APPROVED")]);
    permission("carol", "write");
    permission("dave", "admin");
    expect(await countApprovals(new TestOctokit({ auth: "token" }), pull)).toEqual({ approvedBy: ["carol", "dave"], notCounted: [] });
  });

  it("counts only people with write access or more; says why the others do not count", async () => {
    api()
      .get("/repos/acme/widgets/pulls/7/reviews")
      .query(true)
      .reply(200, [
        review("reader", "APPROVED"),
        review("gone", "APPROVED"),
        review("maintainer", "APPROVED"),
        review("alice", "APPROVED"),
        review("renovate[bot]", "APPROVED", HEAD, "Bot"),
      ]);
    permission("reader", "read");
    permission("maintainer", "write");
    api().get("/repos/acme/widgets/collaborators/gone/permission").reply(404, { message: "Not Found" });
    expect(await countApprovals(new TestOctokit({ auth: "token" }), pull)).toEqual({
      approvedBy: ["maintainer"],
      notCounted: ["@alice: the author", "@renovate[bot]: a bot", "@gone: no access", "@reader: read access"],
    });
  });

  it("asks for no permission when nobody approved the head", async () => {
    api()
      .get("/repos/acme/widgets/pulls/7/reviews")
      .query(true)
      .reply(200, [review("bob", "APPROVED", "0".repeat(40)), review("carol", "COMMENTED")]);
    expect(await countApprovals(new TestOctokit({ auth: "token" }), pull)).toEqual({ approvedBy: [], notCounted: [] });
  });
});

describe("approvalsOfHead", () => {
  it("takes each reviewer's latest verdict on the head commit; comments withdraw nothing", () => {
    const { candidates } = approvalsOfHead(
      [
        review("bob", "APPROVED"),
        review("carol", "APPROVED"),
        review("carol", "CHANGES_REQUESTED"),
        review("dave", "APPROVED", "0".repeat(40)),
        review("erin", "APPROVED"),
        review("erin", "COMMENTED"),
        review("frank", "APPROVED"),
        review("frank", "DISMISSED"),
        review("grace", "CHANGES_REQUESTED"),
        review("grace", "APPROVED"),
      ],
      pull,
    );
    expect(candidates).toEqual(["bob", "erin", "grace"]);
  });
});
