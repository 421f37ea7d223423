import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSignIn, type SignIn } from "../../../src/auth/sign-in.js";
import type { Handler } from "../../../src/http/handler.js";
import { startGitHubStandIn, type GitHubStandIn } from "../../github-stand-in/index.js";
import { userId } from "../../github-stand-in/users.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { TestBrowser } from "../../helpers/test-browser.js";

let gh: GitHubStandIn;
let server: Server;
let base: string;
let signIn: SignIn;

/** A page that needs a user, as the chores pages will: the user and a CSRF token, or off to /login. */
const choresPage: Handler = async (req, res) => {
  if (!(req.url ?? "").startsWith("/chores")) return signIn.handler(req, res);
  const user = signIn.user(req);
  if (user === null) {
    signIn.redirectToLogin(req, res);
    return true;
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...user, csrf: signIn.csrfToken(req) }));
  return true;
};

beforeAll(async () => {
  gh = await startGitHubStandIn();
  ({ server, base } = await serveHandler(choresPage));
  gh.setCallbackUrls([`${base}/login/callback`]);
  signIn = createSignIn({
    ...gh.oauthApp,
    sessionSecret: randomBytes(32).toString("hex"),
    githubWebUrl: `http://${gh.host}`,
    githubApiUrl: gh.baseUrl,
    publicUrl: base,
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await gh.close();
});

afterEach(() => {
  gh.requests.length = 0;
});

/** A browser whose GitHub session is `githubCookie`'s user. */
class Browser extends TestBrowser {
  constructor(githubCookie?: string) {
    super({ base, githubHost: gh.host, ...(githubCookie ? { githubCookie } : {}) });
  }
}

describe("signing in with the GitHub App's OAuth web flow", () => {
  it("goes from a page to GitHub and back, signed in, to that page", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const { response, visited } = await alice.follow("/chores/acme/widgets?tab=runs");

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ login: "alice", id: userId("alice") });
    const paths = visited.map((url) => new URL(url)).map((url) => `${url.host === gh.host ? "github" : "chorebot"} ${url.pathname}`);
    expect(paths).toEqual([
      "chorebot /chores/acme/widgets",
      "chorebot /login",
      "github /login/oauth/authorize",
      "chorebot /login/callback",
      "chorebot /chores/acme/widgets",
    ]);
    expect(new URL(visited.at(-1)!).search).toBe("?tab=runs");

    // The authorize URL named chorebot's callback, the App's client and a random state.
    const authorize = new URL(visited[2]!);
    expect(authorize.searchParams.get("client_id")).toBe(gh.oauthApp.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${base}/login/callback`);
    expect(authorize.searchParams.get("state")).toMatch(/^[\w-]{32}$/);
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /login/oauth/authorize 302",
      "POST /login/oauth/access_token 200",
      "GET /user 200",
    ]);
    // Only the session is left: the login state cookie was single-use.
    expect([...alice.jar.get(new URL(base).host)!.keys()]).toEqual(["chorebot_session"]);
  });

  it("sets HttpOnly, SameSite=Lax cookies that are not cached", async () => {
    const bob = new Browser(gh.signInAs("bob"));
    const login = await bob.get("/login?next=/chores");
    expect(login.status).toBe(302);
    expect(login.headers.get("cache-control")).toBe("no-store");
    const [state] = login.headers.getSetCookie();
    expect(state).toMatch(/^chorebot_login=[^;]+; Path=\/login; Max-Age=600; HttpOnly; SameSite=Lax$/);

    const authorize = await bob.get(login.headers.get("location")!);
    const callback = await bob.get(authorize.headers.get("location")!);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe("/chores");
    expect(callback.headers.get("cache-control")).toBe("no-store");
    expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
    const session = callback.headers.getSetCookie().find((line) => line.startsWith("chorebot_session="));
    expect(session).toMatch(/; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/);
  });

  it("marks cookies Secure and __Host- when chorebot is served over https", async () => {
    const secure = createSignIn({
      ...gh.oauthApp,
      sessionSecret: randomBytes(32).toString("hex"),
      githubWebUrl: `http://${gh.host}`,
      githubApiUrl: gh.baseUrl,
      publicUrl: "https://chorebot.example.com/",
    });
    const served = await serveHandler(secure.handler);
    try {
      const login = await fetch(`${served.base}/login`, { redirect: "manual" });
      expect(login.headers.getSetCookie()[0]).toMatch(/^__Secure-chorebot_login=.*; Secure$/);
      expect(new URL(login.headers.get("location")!).searchParams.get("redirect_uri")).toBe("https://chorebot.example.com/login/callback");
    } finally {
      await new Promise((resolve) => served.server.close(resolve));
    }
  });

  it("leaves redirect_uri out without a public URL, so GitHub uses the App's callback URL", async () => {
    const bare = createSignIn({
      ...gh.oauthApp,
      sessionSecret: randomBytes(32).toString("hex"),
      githubWebUrl: `http://${gh.host}`,
      githubApiUrl: gh.baseUrl,
      publicUrl: null,
    });
    const served = await serveHandler(bare.handler);
    try {
      gh.setCallbackUrls([`${served.base}/login/callback`]);
      const carol = new Browser(gh.signInAs("carol"));
      const login = await carol.get(`${served.base}/login?next=/chores/x`);
      expect(new URL(login.headers.get("location")!).searchParams.has("redirect_uri")).toBe(false);
      const authorize = await carol.get(login.headers.get("location")!);
      expect(authorize.headers.get("location")!.startsWith(`${served.base}/login/callback?code=`)).toBe(true);
      const callback = await carol.get(authorize.headers.get("location")!);
      expect(callback.status).toBe(302);
      expect(callback.headers.get("location")).toBe("/chores/x");
    } finally {
      gh.setCallbackUrls([`${base}/login/callback`]);
      await new Promise((resolve) => served.server.close(resolve));
    }
  });

  it("sends a signed-in user straight to the page asked for", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    await alice.follow("/chores");
    const again = await alice.get("/login?next=/chores/acme");
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/chores/acme");
  });

  it("never redirects off-site after signing in", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const { response, visited } = await alice.follow(`/login?next=${encodeURIComponent("//evil.example/steal")}`);
    expect(response.status).toBe(200);
    expect(new URL(visited.at(-1)!).pathname).toBe("/chores");
    expect(new URL(visited.at(-1)!).host).toBe(new URL(base).host);
  });
});

describe("a callback that is not this browser's sign-in", () => {
  /** Starts a sign-in in `browser` and returns GitHub's redirect back to chorebot (not yet followed). */
  async function backFromGitHub(browser: Browser): Promise<URL> {
    const login = await browser.get("/login?next=/chores/acme");
    const authorize = await browser.get(login.headers.get("location")!);
    return new URL(authorize.headers.get("location")!);
  }

  it("refuses a forged state, exchanging nothing", async () => {
    const victim = new Browser(gh.signInAs("victim"));
    const attacker = new Browser(gh.signInAs("mallory"));
    await victim.get("/login?next=/chores");
    // The attacker's own code and state, planted in the victim's browser (login CSRF).
    const planted = await backFromGitHub(attacker);
    gh.requests.length = 0;
    const answer = await victim.get(planted.toString());
    expect(answer.status).toBe(403);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(await answer.text()).toContain("does not belong to the sign-in this browser started");
    expect(gh.requests).toEqual([]);
    expect(victim.jar.get(new URL(base).host)?.has("chorebot_session")).toBe(false);
  });

  it("refuses a callback without a sign-in cookie (400) and one with a tampered cookie", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const back = await backFromGitHub(alice);
    const stranger = await new Browser().get(back.toString());
    expect(stranger.status).toBe(400);
    expect(await stranger.text()).toContain("not started in this browser");

    const [name, value] = [...alice.jar.get(new URL(base).host)!][0]!;
    const tampered = await new Browser().get(back.toString(), { cookie: `${name}=${value.replace(/^./, (c) => (c === "A" ? "B" : "A"))}` });
    expect(tampered.status).toBe(400);
    expect(await alice.get(back.toString()).then((r) => r.status)).toBe(302);
  });

  it("refuses a callback with the state missing", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const back = await backFromGitHub(alice);
    back.searchParams.delete("state");
    expect((await alice.get(back.toString())).status).toBe(403);
  });

  it("answers 403 when the user cancels on GitHub", async () => {
    const dave = new Browser(gh.signInAs("dave", { decline: true }));
    const back = await backFromGitHub(dave);
    expect(back.searchParams.get("error")).toBe("access_denied");
    const answer = await dave.get(back.toString());
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain("did not authorize chorebot");
  });

  it("answers 400 for a code GitHub does not accept (already used)", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const back = await backFromGitHub(alice);
    const [name, value] = [...alice.jar.get(new URL(base).host)!][0]!;
    expect((await alice.get(back.toString())).status).toBe(302);
    // The same code and state again, with the sign-in cookie it was started with.
    const replay = await new Browser().get(back.toString(), { cookie: `${name}=${value}` });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("already used or has expired");
  });

  it("answers 502 when GitHub is down, never a stack", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const back = await backFromGitHub(alice);
    gh.failNext({ method: "POST", path: /^\/login\/oauth\/access_token$/, status: 503 });
    const answer = await alice.get(back.toString());
    expect(answer.status).toBe(502);
    const text = await answer.text();
    expect(text).toContain("could not be reached");
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);

    const again = await backFromGitHub(alice);
    gh.failNext({ method: "GET", path: /^\/user$/, status: 500 });
    expect((await alice.get(again.toString())).status).toBe(502);
  });

  it("escapes what GitHub's error description says", async () => {
    const alice = new Browser(gh.signInAs("alice"));
    const back = await backFromGitHub(alice);
    back.searchParams.delete("code");
    back.searchParams.set("error", "weird");
    back.searchParams.set("error_description", "<script>alert(1)</script>");
    const answer = await alice.get(back.toString());
    expect(answer.status).toBe(400);
    const text = await answer.text();
    expect(text).not.toContain("<script>");
    expect(text).toContain("&lt;script>alert(1)&lt;/script>");
  });
});

describe("pages that need a user", () => {
  it("send a GET to /login with the page as next (302)", async () => {
    const answer = await fetch(`${base}/chores/acme/widgets/unlock?x=1`, { redirect: "manual" });
    expect(answer.status).toBe(302);
    expect(answer.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/chores/acme/widgets/unlock?x=1")}`);
  });

  it("send a POST back through /login to the page it came from (303), and only a local one", async () => {
    const post = (referer: string) =>
      fetch(`${base}/chores/acme/widgets/unlock`, { method: "POST", redirect: "manual", headers: { referer } }).then((r) => [
        r.status,
        r.headers.get("location"),
      ]);
    expect(await post(`${base}/chores/acme/widgets/unlock?tab=form`)).toEqual([
      303,
      `/login?next=${encodeURIComponent("/chores/acme/widgets/unlock?tab=form")}`,
    ]);
    expect(await post("https://evil.example/chores/x")).toEqual([303, "/login?next=%2Fchores"]);
  });
});

describe("signing out", () => {
  async function signedIn(login: string): Promise<{ browser: Browser; csrf: string }> {
    const browser = new Browser(gh.signInAs(login));
    const { response } = await browser.follow("/chores");
    const { csrf } = (await response.json()) as { csrf: string };
    return { browser, csrf };
  }
  const form = (fields: Record<string, string>) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base, "sec-fetch-site": "same-origin" },
    body: new URLSearchParams(fields).toString(),
  });

  it("needs the session's CSRF token, then clears the session and answers 303 to /chores", async () => {
    const { browser, csrf } = await signedIn("erin");
    const without = await browser.send("/logout", form({}));
    expect(without.status).toBe(403);
    const wrong = await browser.send("/logout", form({ csrf: csrf.replace(/.$/, (c) => (c === "A" ? "B" : "A")) }));
    expect(wrong.status).toBe(403);
    expect((await browser.follow("/chores")).response.status).toBe(200);

    const out = await browser.send("/logout", form({ csrf }));
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/chores");
    expect(out.headers.getSetCookie()[0]).toMatch(/^chorebot_session=; Path=\/; Max-Age=0;/);
    expect((await browser.get("/chores")).status).toBe(302);
  });

  it("refuses a cross-site POST even with the token", async () => {
    const { browser, csrf } = await signedIn("erin");
    const init = form({ csrf });
    const crossSite = await browser.send("/logout", { ...init, headers: { ...init.headers, origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    expect((await browser.get("/chores")).status).toBe(200);
  });

  it("answers 405 to a GET /logout and leaves the session alone", async () => {
    const { browser } = await signedIn("erin");
    const answer = await browser.get("/logout");
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("POST");
    expect((await browser.get("/chores")).status).toBe(200);
  });
});
