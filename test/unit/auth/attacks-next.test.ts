import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localPath } from "../../../src/auth/local-path.js";
import { createSignIn, type SignIn } from "../../../src/auth/sign-in.js";
import { startGitHubStandIn, type GitHubStandIn } from "../../github-stand-in/index.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { TestBrowser } from "../../helpers/test-browser.js";

// Dot segments that, once a URL parser removes them, leave a path starting with `//`: a
// browser reads `Location: //evil.example` as another host.
const DOT_SEGMENT_ESCAPES = [
  "/.//evil.example",
  "/..//evil.example",
  "/chores/..//evil.example",
  "/%2e//evil.example",
  "/%2E%2E//evil.example/chores?x=1",
  "/a/b/../..//evil.example",
];

describe("localPath against dot segments that become a scheme-relative URL", () => {
  it.each(DOT_SEGMENT_ESCAPES)("sends %s to /chores", (next) => {
    expect(localPath(next)).toBe("/chores");
  });

  it("still keeps an ordinary path with dot segments", () => {
    expect(localPath("/chores/./acme/../acme/shop")).toBe("/chores/acme/shop");
  });
});

describe("the sign-in's redirects never leave the site", () => {
  let gh: GitHubStandIn;
  let server: Server;
  let base: string;
  let signIn: SignIn;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    ({ server, base } = await serveHandler(async (req, res) => {
      if (await signIn.handler(req, res)) return true;
      if (signIn.user(req) === null) signIn.redirectToLogin(req, res);
      else res.writeHead(200).end("a page");
      return true;
    }));
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

  it.each(DOT_SEGMENT_ESCAPES)("after signing in with next=%s", async (next) => {
    const browser = new TestBrowser({ base, githubHost: gh.host, githubCookie: gh.signInAs("alice") });
    const { response, visited } = await browser.follow(`/login?next=${encodeURIComponent(next)}`);
    expect(response.status).toBe(200);
    const hosts = new Set(visited.map((url) => new URL(url).host));
    expect([...hosts].sort()).toEqual([new URL(base).host, gh.host].sort());
    expect(new URL(visited.at(-1)!).host).toBe(new URL(base).host);

    // Already signed in: /login answers at once, and still on this site.
    const again = await browser.get(`/login?next=${encodeURIComponent(next)}`);
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/chores");
  });
});
