import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSignIn, type SignIn } from "../../../src/auth/sign-in.js";
import { encodeSession } from "../../../src/auth/session.js";
import { createChoresHandler, type ChoreRunRequest } from "../../../src/chores/create-chores-handler.js";
import { startGitHubStandIn, type GitHubStandIn } from "../../github-stand-in/index.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { TestBrowser } from "../../helpers/test-browser.js";
import { description, entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";

// The real sign-in in front of the real chores pages: sessions and CSRF tokens as a hostile
// client would forge, replay or swap them.
const SECRET = randomBytes(32).toString("hex");
const chore = indexedChore("unlock", description({ account: { type: "string", required: true } }));
const catalog = repoCatalog("acme", "shop", [entry(chore)]);
const PAGE = "/chores/acme/shop/unlock";
const WRITERS = new Set(["alice", "bob"]);

let gh: GitHubStandIn;
let server: Server;
let base: string;
let signIn: SignIn;
let started: ChoreRunRequest[];

beforeAll(async () => {
  gh = await startGitHubStandIn();
  signIn = createSignIn({ ...gh.oauthApp, sessionSecret: SECRET, githubWebUrl: `http://${gh.host}`, githubApiUrl: gh.baseUrl, publicUrl: null });
  const pages = createChoresHandler({
    catalog: {
      repositories: async () => [{ owner: "acme", repo: "shop" }],
      read: async (o, r) => (o === "acme" && r === "shop" ? catalog : null),
      bundle: async () => null,
    },
    signIn,
    permission: async (_repo, login) => (WRITERS.has(login) ? "write" : "none"),
    requiredPermission: () => "write",
    startRun: async (request) => (started.push(request), { runId: `run-${started.length}` }),
    run: async () => null,
    history: async () => [],
    cancel: async () => undefined,
    fileLimit: 1024,
  });
  ({ server, base } = await serveHandler(async (req, res) => (await signIn.handler(req, res)) || pages(req, res)));
  gh.setCallbackUrls([`${base}/login/callback`]);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await gh.close();
});
beforeEach(() => {
  started = [];
});

async function signedIn(login: string): Promise<TestBrowser> {
  const browser = new TestBrowser({ base, githubHost: gh.host, githubCookie: gh.signInAs(login) });
  const { response } = await browser.follow(PAGE);
  expect(response.status).toBe(200);
  return browser;
}

async function formOf(browser: TestBrowser): Promise<URLSearchParams> {
  const html = await (await browser.get(PAGE)).text();
  const hidden = (name: string) => new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)![1]!;
  return new URLSearchParams({ csrf: hidden("csrf"), version: hidden("version"), request_key: hidden("request_key"), account: "acct_1" });
}

function post(cookie: string, body: URLSearchParams) {
  return fetch(`${base}${PAGE}`, { method: "POST", body, headers: { cookie }, redirect: "manual" });
}

function sessionCookie(browser: TestBrowser): string {
  return `chorebot_session=${browser.jar.get(new URL(base).host)!.get("chorebot_session")!}`;
}

describe("a hostile client of the chores pages", () => {
  it("runs with its own session and token, and with nothing else", async () => {
    const alice = await signedIn("alice");
    const bob = await signedIn("bob");
    const aliceForm = await formOf(alice);
    const bobForm = await formOf(bob);

    // Bob's token in Alice's session, and Alice's in Bob's: refused, nothing run.
    expect((await post(sessionCookie(alice), new URLSearchParams({ ...Object.fromEntries(aliceForm), csrf: bobForm.get("csrf")! }))).status).toBe(403);
    expect((await post(sessionCookie(bob), aliceForm)).status).toBe(403);
    expect(started).toEqual([]);

    // Alice's own form goes through, as Alice.
    expect((await post(sessionCookie(alice), aliceForm)).status).toBe(303);
    expect(started.map((run) => run.requestedBy)).toEqual(["alice"]);
  });

  it("is nobody with a session signed by another secret, a tampered one, or one naming someone else", async () => {
    const alice = await signedIn("alice");
    const form = await formOf(alice);
    const [body, mac] = alice.jar.get(new URL(base).host)!.get("chorebot_session")!.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { login: string; id: number; sid: string; exp: number };
    const asBob = Buffer.from(JSON.stringify({ ...payload, login: "bob" })).toString("base64url");
    const forged = [
      `chorebot_session=${encodeSession(randomBytes(32).toString("hex"), payload)}`,
      `chorebot_session=${asBob}.${mac}`,
      `chorebot_session=${body}.${mac.slice(0, -2)}AA`,
      `chorebot_session=${encodeSession(SECRET, { ...payload, exp: Date.now() - 1 })}`,
      `chorebot_session=${body}`,
    ];
    for (const cookie of forged) {
      const res = await post(cookie, form);
      // Sent to sign in again: no run, no error page.
      expect(res.status, cookie).toBe(303);
      expect(res.headers.get("location"), cookie).toMatch(/^\/login\?next=/);
    }
    expect(started).toEqual([]);
  });

  it("cannot sign in as someone else with a replayed or swapped callback", async () => {
    const mallory = new TestBrowser({ base, githubHost: gh.host, githubCookie: gh.signInAs("mallory") });
    const login = await mallory.get(`/login?next=${encodeURIComponent(PAGE)}`);
    const authorize = await mallory.get(login.headers.get("location")!);
    const callback = authorize.headers.get("location")!;

    // Alice is tricked into opening mallory's callback (login CSRF): her browser started no sign-in.
    const alice = new TestBrowser({ base, githubHost: gh.host, githubCookie: gh.signInAs("alice") });
    const planted = await alice.get(callback);
    expect(planted.status).toBe(400);
    expect(planted.headers.getSetCookie().some((line) => line.startsWith("chorebot_session=") && !/Max-Age=0/.test(line))).toBe(false);

    // Mallory's own callback works once; replaying its code does not.
    expect((await mallory.get(callback)).status).toBe(302);
    const again = new TestBrowser({ base, githubHost: gh.host, githubCookie: gh.signInAs("mallory") });
    const state = new URL(callback).searchParams.get("state")!;
    const second = await again.get(`/login?next=/chores`);
    const secondState = new URL(second.headers.get("location")!).searchParams.get("state")!;
    const replay = new URL(callback);
    replay.searchParams.set("state", secondState);
    expect(state).not.toBe(secondState);
    expect((await again.get(replay.toString())).status).toBe(400);
  });
});
