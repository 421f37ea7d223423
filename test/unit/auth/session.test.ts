import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeSession, encodeSession, newSession } from "../../../src/auth/session.js";
import { createSignIn } from "../../../src/auth/sign-in.js";
import { signValue } from "../../../src/auth/signed-value.js";

const secret = randomBytes(32).toString("hex");
const options = (o: { sessionSecret?: string; publicUrl?: string | null } = {}) =>
  createSignIn({
    clientId: "Iv23litest",
    clientSecret: randomBytes(20).toString("hex"),
    sessionSecret: o.sessionSecret ?? secret,
    githubWebUrl: "https://github.com",
    githubApiUrl: "https://api.github.com",
    publicUrl: o.publicUrl ?? null,
  });
const request = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as IncomingMessage;
const alice = { login: "alice", id: 583231 };

afterEach(() => {
  vi.useRealTimers();
});

describe("session cookies", () => {
  it("give back the user they were made for", () => {
    const value = encodeSession(secret, newSession(alice, 60_000));
    expect(options().user(request(`other=1; chorebot_session=${value}; more=2`))).toEqual(alice);
  });

  it("are no user when missing, tampered with, signed with another secret or named otherwise", () => {
    const signIn = options();
    const value = encodeSession(secret, newSession(alice, 60_000));
    const [body, mac] = value.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), login: "admin" })).toString("base64url");

    expect(signIn.user(request())).toBeNull();
    expect(signIn.user(request(""))).toBeNull();
    expect(signIn.user(request(`chorebot_session=${forged}.${mac}`))).toBeNull();
    expect(signIn.user(request(`chorebot_session=${body}.${mac.slice(0, -2)}`))).toBeNull();
    expect(signIn.user(request(`chorebot_session=${body}`))).toBeNull();
    expect(signIn.user(request(`chorebot_session=${encodeSession(randomBytes(32).toString("hex"), newSession(alice, 60_000))}`))).toBeNull();
    expect(signIn.user(request(`session=${value}`))).toBeNull();
    expect(signIn.user(request(`xchorebot_session=${value}`))).toBeNull();
    // Served over https the cookie is __Host- named: the plain name is not accepted there.
    expect(options({ publicUrl: "https://chorebot.example.com" }).user(request(`chorebot_session=${value}`))).toBeNull();
    expect(options({ publicUrl: "https://chorebot.example.com" }).user(request(`__Host-chorebot_session=${value}`))).toEqual(alice);
  });

  it("are no user once expired", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const value = encodeSession(secret, newSession(alice, 8 * 60 * 60 * 1000));
    vi.advanceTimersByTime(8 * 60 * 60 * 1000 - 1);
    expect(options().user(request(`chorebot_session=${value}`))).toEqual(alice);
    vi.advanceTimersByTime(1);
    expect(options().user(request(`chorebot_session=${value}`))).toBeNull();
  });

  it("refuse another signed value of the same secret (a login state is not a session)", () => {
    const now = Date.now();
    const lookalike = signValue(secret, "login-state", { login: "alice", id: 1, sid: "x".repeat(24), exp: now + 60_000 });
    expect(decodeSession(secret, lookalike, now)).toBeNull();
    expect(decodeSession(secret, signValue(secret, "session", { login: "alice", id: 1, sid: "x".repeat(24), exp: now + 60_000 }), now)).not.toBeNull();
  });

  it("refuse a well-signed payload of the wrong shape", () => {
    const now = Date.now();
    const sign = (payload: object) => signValue(secret, "session", payload);
    const good = { login: "alice", id: 1, sid: "s".repeat(24), exp: now + 1000 };
    expect(decodeSession(secret, sign(good), now)).toEqual(good);
    for (const bad of [
      { ...good, login: "../x" },
      { ...good, login: 1 },
      { ...good, id: "1" },
      { ...good, id: -1 },
      { ...good, sid: "short" },
      { ...good, exp: "never" },
      { ...good, exp: now },
      [good],
      null,
    ]) {
      expect(decodeSession(secret, sign(bad as object), now)).toBeNull();
    }
  });

  it("refuse a short session secret", () => {
    expect(() => options({ sessionSecret: "short" })).toThrow(/at least 32/);
  });
});

describe("CSRF tokens", () => {
  it("belong to one session and are checked against it", () => {
    const signIn = options();
    const first = request(`chorebot_session=${encodeSession(secret, newSession(alice, 60_000))}`);
    const second = request(`chorebot_session=${encodeSession(secret, newSession(alice, 60_000))}`);
    const token = signIn.csrfToken(first);

    expect(signIn.csrfToken(first)).toBe(token);
    expect(signIn.verifyCsrf(first, token)).toBe(true);
    // The same user's other session (another sign-in, another browser) has another token.
    expect(signIn.csrfToken(second)).not.toBe(token);
    expect(signIn.verifyCsrf(second, token)).toBe(false);
    expect(signIn.verifyCsrf(first, undefined)).toBe(false);
    expect(signIn.verifyCsrf(first, "")).toBe(false);
    expect(signIn.verifyCsrf(first, token.slice(0, -1))).toBe(false);
    expect(signIn.verifyCsrf(first, `${token}x`)).toBe(false);
    // Another secret (another deployment) makes other tokens for the same session.
    expect(options({ sessionSecret: randomBytes(32).toString("hex") }).verifyCsrf(first, token)).toBe(false);
  });

  it("need a session", () => {
    const signIn = options();
    expect(() => signIn.csrfToken(request())).toThrow(/no session/);
    expect(signIn.verifyCsrf(request(), "anything")).toBe(false);
  });
});

describe("createSignIn", () => {
  it("refuses a GitHub web address that does not go with the API address", () => {
    expect(() =>
      createSignIn({
        clientId: "Iv23litest",
        clientSecret: "s",
        sessionSecret: secret,
        githubWebUrl: "https://github.com",
        githubApiUrl: "https://ghe.example.com/api/v3",
        publicUrl: null,
      }),
    ).toThrow(/does not go with/);
    expect(() =>
      createSignIn({
        clientId: "Iv23litest",
        clientSecret: "s",
        sessionSecret: secret,
        githubWebUrl: "https://ghe.example.com",
        githubApiUrl: "https://ghe.example.com/api/v3",
        publicUrl: null,
      }),
    ).not.toThrow();
  });
});
