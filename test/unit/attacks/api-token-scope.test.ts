import { randomBytes } from "node:crypto";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_SCOPE_REFUSED, userTokenLookup } from "../../../src/auth/user-token.js";

const API = "https://ghe.example.com/api/v3";
const makeToken = (prefix: string) => `${prefix}_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;

function user(token: string, scopes?: string) {
  return nock(API)
    .get("/user")
    .matchHeader("authorization", `token ${token}`)
    .reply(200, { login: "wendy", id: 42, type: "User" }, scopes === undefined ? {} : { "X-OAuth-Scopes": scopes });
}

// Attack: a token the user gave a "Sign in with GitHub" site (no scope, or read:user) names the
// user, so chorebot took it as that user's say-so and ran production chores with their role.
describe("the API's user token: a classic token must have the repo scope", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it("refuses an OAuth or classic token whose scopes leave out repo (403), and never remembers it", async () => {
    const identify = userTokenLookup({ apiUrl: API });
    for (const [prefix, scopes] of [
      ["gho", ""],
      ["gho", "read:user, user:email"],
      ["ghp", "public_repo, repo:status, gist"],
    ] as const) {
      const token = makeToken(prefix);
      user(token, scopes);
      expect(await identify(token)).toEqual({ ok: false, status: 403, reason: "scope", message: TOKEN_SCOPE_REFUSED });
      user(token, `${scopes}${scopes ? ", " : ""}repo`);
      expect(await identify(token)).toEqual({ ok: true, login: "wendy", id: 42 });
    }
  });

  it("takes fine-grained PATs and GitHub App user tokens (no scopes), and a classic token without the header", async () => {
    const identify = userTokenLookup({ apiUrl: API });
    for (const token of [makeToken("github_pat"), makeToken("ghu")]) {
      user(token, "");
      expect(await identify(token)).toMatchObject({ ok: true, login: "wendy" });
    }
    const token = makeToken("ghp");
    user(token);
    expect(await identify(token)).toMatchObject({ ok: true });
  });
});
