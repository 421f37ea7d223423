import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { tokenHeader } from "./test-client.js";
import { userId } from "./users.js";

let gh: GitHubStandIn;
let web: string;
const callback = "http://127.0.0.1:9/login/callback";

beforeAll(async () => {
  gh = await startGitHubStandIn();
  web = `http://${gh.host}`;
  gh.setCallbackUrls([callback, "http://127.0.0.1:9/other/callback"]);
});

afterAll(async () => {
  await gh.close();
});

afterEach(() => {
  vi.useRealTimers();
});

function authorize(params: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(`${web}/login/oauth/authorize?${new URLSearchParams(params)}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
}

/** The code GitHub sends `login`'s browser back with. */
async function codeFor(login: string, redirectUri?: string): Promise<string> {
  const answer = await authorize({ client_id: gh.oauthApp.clientId, state: "s", ...(redirectUri ? { redirect_uri: redirectUri } : {}) }, gh.signInAs(login));
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location")!).searchParams.get("code")!;
}

function exchange(fields: Record<string, string>, o: { json?: boolean; form?: boolean } = {}): Promise<Response> {
  const json = o.json ?? true;
  return fetch(`${web}/login/oauth/access_token`, {
    method: "POST",
    headers: { ...(json ? { accept: "application/json" } : {}), "content-type": o.form ? "application/x-www-form-urlencoded" : "application/json" },
    body: o.form ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
  });
}
const credentials = () => ({ client_id: gh.oauthApp.clientId, client_secret: gh.oauthApp.clientSecret });

describe("the stand-in's OAuth web flow", () => {
  it("generates the App's client id and secret for each stand-in", async () => {
    const other = await startGitHubStandIn();
    try {
      expect(gh.oauthApp.clientId).toMatch(/^Iv23li[0-9a-f]{14}$/);
      expect(gh.oauthApp.clientSecret).toMatch(/^[0-9a-f]{40}$/);
      expect(other.oauthApp.clientId).not.toBe(gh.oauthApp.clientId);
      expect(other.oauthApp.clientSecret).not.toBe(gh.oauthApp.clientSecret);
    } finally {
      await other.close();
    }
  });

  it("sends a signed-in browser back to the redirect_uri with a code and the state", async () => {
    const answer = await authorize(
      { client_id: gh.oauthApp.clientId, redirect_uri: "http://127.0.0.1:9/other/callback", state: "a b&c" },
      gh.signInAs("alice"),
    );
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe("http://127.0.0.1:9/other/callback");
    expect(back.searchParams.get("code")).toMatch(/^[0-9a-f]{20}$/);
    expect(back.searchParams.get("state")).toBe("a b&c");
  });

  it("uses the first callback URL when no redirect_uri is named", async () => {
    const answer = await authorize({ client_id: gh.oauthApp.clientId }, gh.signInAs("alice"));
    const back = new URL(answer.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(callback);
    expect(back.searchParams.has("state")).toBe(false);
  });

  it("asks a browser nobody signed in to to sign in to GitHub", async () => {
    const answer = await authorize({ client_id: gh.oauthApp.clientId, state: "s" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await answer.text()).toContain("Sign in to GitHub");
    const forged = await authorize({ client_id: gh.oauthApp.clientId }, "user_session=made-up");
    expect(forged.status).toBe(200);
  });

  it("answers 404 for another client id, and sends a wrong redirect_uri's browser to the callback URL with the error", async () => {
    expect((await authorize({ client_id: "Iv23linope" }, gh.signInAs("alice"))).status).toBe(404);
    const answer = await authorize({ client_id: gh.oauthApp.clientId, redirect_uri: "https://evil.example/cb", state: "s" }, gh.signInAs("alice"));
    const back = new URL(answer.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(callback);
    expect(back.searchParams.get("error")).toBe("redirect_uri_mismatch");
    expect(back.searchParams.has("code")).toBe(false);
    expect(back.searchParams.get("state")).toBe("s");
  });

  it("sends a browser that cancels back with access_denied", async () => {
    const answer = await authorize({ client_id: gh.oauthApp.clientId, state: "s" }, gh.signInAs("bob", { decline: true }));
    const back = new URL(answer.headers.get("location")!);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.has("code")).toBe(false);
  });

  it("exchanges a code once for a user token that GET /user knows", async () => {
    const code = await codeFor("carol");
    const answer = await exchange({ ...credentials(), code });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "bearer", scope: "", expires_in: 28800, refresh_token_expires_in: 15897600 });
    expect(body.access_token).toMatch(/^ghu_\w{36}$/);
    expect(body.refresh_token).toMatch(/^ghr_\w{76}$/);

    const me = await fetch(`${gh.baseUrl}/user`, { headers: { authorization: `Bearer ${body.access_token as string}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ login: "carol", id: userId("carol"), type: "User" });

    const again = await exchange({ ...credentials(), code });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ error: "bad_verification_code" });
  });

  it("takes a form body and answers form-encoded unless JSON is asked for", async () => {
    const answer = await exchange({ ...credentials(), code: await codeFor("dave") }, { json: false, form: true });
    expect(answer.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
    const fields = new URLSearchParams(await answer.text());
    expect(fields.get("access_token")).toMatch(/^ghu_/);
    expect(fields.get("token_type")).toBe("bearer");
  });

  it("refuses wrong client credentials without spending the code", async () => {
    const code = await codeFor("erin");
    const wrong = await exchange({ ...credentials(), client_secret: "0".repeat(40), code });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toMatchObject({ error: "incorrect_client_credentials" });
    expect(await (await exchange({ ...credentials(), code })).json()).toHaveProperty("access_token");
  });

  it("refuses a redirect_uri other than the authorize request's", async () => {
    const code = await codeFor("erin", "http://127.0.0.1:9/other/callback");
    expect(await (await exchange({ ...credentials(), code, redirect_uri: callback })).json()).toMatchObject({ error: "redirect_uri_mismatch" });
    const fresh = await codeFor("erin", "http://127.0.0.1:9/other/callback");
    expect(await (await exchange({ ...credentials(), code: fresh, redirect_uri: "http://127.0.0.1:9/other/callback" })).json()).toHaveProperty("access_token");
  });

  it("lets a code expire after 10 minutes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const code = await codeFor("fay");
    vi.advanceTimersByTime(10 * 60 * 1000);
    expect(await (await exchange({ ...credentials(), code })).json()).toMatchObject({ error: "bad_verification_code" });
  });

  it("answers GET /user only to a user token", async () => {
    expect((await fetch(`${gh.baseUrl}/user`)).status).toBe(401);
    expect((await fetch(`${gh.baseUrl}/user`, { headers: { authorization: "token ghu_nope" } })).status).toBe(401);
    const installation = await fetch(`${gh.baseUrl}/user`, { headers: { authorization: await tokenHeader(gh) } });
    expect(installation.status).toBe(403);
    expect(await installation.json()).toMatchObject({ message: "Resource not accessible by integration" });
  });
});
