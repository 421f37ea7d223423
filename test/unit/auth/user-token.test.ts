import { randomBytes } from "node:crypto";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bearerToken, INSTALLATION_TOKEN_REFUSED, userTokenLookup } from "../../../src/auth/user-token.js";

const API = "https://ghe.example.com/api/v3";
/** A token made now, shaped like GitHub's (`ghp_` and 36 characters). */
const makeToken = (prefix = "ghp") => `${prefix}_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;

function user(token: string, login = "wendy") {
  return nock(API).get("/user").matchHeader("authorization", `token ${token}`).reply(200, { login, id: 42, type: "User" });
}

describe("bearerToken", () => {
  it("reads Bearer and token schemes, any case, and nothing else", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("token abc")).toBe("abc");
    expect(bearerToken("BEARER\tabc ")).toBe("abc");
    expect(bearerToken("Basic b3BzOnB3")).toBeNull();
    expect(bearerToken("Bearer")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe("userTokenLookup", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it("names the user of a personal access token, asking GitHub's API at its URL (GHE included)", async () => {
    const token = makeToken();
    user(token);
    expect(await userTokenLookup({ apiUrl: `${API}/` })(token)).toEqual({ ok: true, login: "wendy", id: 42 });
  });

  it("remembers a token's user for the TTL, keyed by the token, and asks again after", async () => {
    let now = 1_000_000;
    const identify = userTokenLookup({ apiUrl: API, ttlMs: 60_000, now: () => now });
    const [a, b] = [makeToken(), makeToken()];
    user(a, "alice");
    user(b, "bob");
    // Two lookups at once share one request (nock answers each interceptor once).
    const [first, second] = await Promise.all([identify(a), identify(a)]);
    expect(first).toMatchObject({ login: "alice" });
    expect(second).toMatchObject({ login: "alice" });
    expect(await identify(b)).toMatchObject({ login: "bob" });
    now += 59_999;
    expect(await identify(a)).toMatchObject({ login: "alice" });
    now += 2;
    user(a, "alice-renamed");
    expect(await identify(a)).toMatchObject({ login: "alice-renamed" });
  });

  it("keeps at most maxEntries tokens, forgetting the oldest", async () => {
    const identify = userTokenLookup({ apiUrl: API, maxEntries: 2 });
    const tokens = [makeToken(), makeToken(), makeToken()];
    for (const token of tokens) user(token);
    for (const token of tokens) await identify(token);
    user(tokens[0]!);
    expect(await identify(tokens[0]!)).toMatchObject({ ok: true });
    // The newest is still known: no request for it (net connect is off, so one would fail).
    expect(await identify(tokens[2]!)).toMatchObject({ ok: true });
  });

  it("refuses a token GitHub rejects (401), and never remembers a failure", async () => {
    const identify = userTokenLookup({ apiUrl: API });
    const token = makeToken();
    nock(API).get("/user").reply(401, { message: "Bad credentials" });
    expect(await identify(token)).toEqual({
      ok: false,
      status: 401,
      reason: "rejected",
      message: expect.stringContaining("GitHub rejected the token (Bad credentials)"),
    });
    user(token);
    expect(await identify(token)).toMatchObject({ ok: true, login: "wendy" });
  });

  it("refuses an installation token with what to use instead: ghs_ without asking, GitHub's 403 for any other", async () => {
    const identify = userTokenLookup({ apiUrl: API });
    expect(await identify(makeToken("ghs"))).toEqual({ ok: false, status: 403, reason: "installation", message: INSTALLATION_TOKEN_REFUSED });
    nock(API).get("/user").reply(403, { message: "Resource not accessible by integration" });
    expect(await identify(makeToken("v1"))).toMatchObject({ status: 403, reason: "installation" });
    expect(INSTALLATION_TOKEN_REFUSED).toMatch(/personal access token or a GitHub App user token/);
    expect(INSTALLATION_TOKEN_REFUSED).toMatch(/repository secret/);
  });

  it("answers 503 when GitHub errs, rate-limits or cannot be reached, and asks again next time", async () => {
    const identify = userTokenLookup({ apiUrl: API });
    const token = makeToken();
    nock(API).get("/user").reply(502, "Bad Gateway");
    expect(await identify(token)).toMatchObject({ ok: false, status: 503, reason: "unavailable" });
    nock(API).get("/user").reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" });
    expect(await identify(token)).toMatchObject({ status: 503 });
    nock(API).get("/user").replyWithError("connect ECONNREFUSED");
    expect(await identify(token)).toMatchObject({ status: 503 });
    user(token);
    expect(await identify(token)).toMatchObject({ ok: true });
  });

  it("never sends a token that is not one GitHub issues (a header injection, a space)", async () => {
    const identify = userTokenLookup({ apiUrl: API });
    for (const token of ["a\r\nX-Injected: 1", "two words", "", "x".repeat(513)]) expect(await identify(token)).toMatchObject({ status: 401 });
  });

  it("refuses a TTL over a minute", () => {
    expect(() => userTokenLookup({ apiUrl: API, ttlMs: 120_000 })).toThrow(RangeError);
  });
});
