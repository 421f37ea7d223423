import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { localSignIn, localUserName } from "../../../src/preview/local-sign-in.js";

const req = {} as IncomingMessage;

describe("localSignIn", () => {
  it("always has the local user, and a CSRF token of its own, random for each sign-in", () => {
    const signIn = localSignIn({ login: "ada", id: 0 });
    expect(signIn.user(req)).toEqual({ login: "ada", id: 0 });
    const token = signIn.csrfToken(req);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(localSignIn({ login: "ada", id: 0 }).csrfToken(req)).not.toBe(token);
  });

  it("checks the token: its own passes; missing, empty, shorter, longer or another fails", () => {
    const signIn = localSignIn({ login: "ada", id: 0 }, "the-token-of-this-process");
    expect(signIn.verifyCsrf(req, "the-token-of-this-process")).toBe(true);
    for (const given of [undefined, "", "the-token", "the-token-of-this-process!", "the-token-of-this-procesS"]) {
      expect(signIn.verifyCsrf(req, given), String(given)).toBe(false);
    }
  });
});

describe("localUserName", () => {
  it("is the OS user's name, kept to characters safe to show and log", () => {
    expect(localUserName(() => "ada")).toBe("ada");
    expect(localUserName(() => "ada lovelace<script>")).toBe("adalovelacescript");
  });

  it('is "you" when there is no name', () => {
    expect(localUserName(() => "")).toBe("you");
    expect(localUserName(() => "<>")).toBe("you");
    expect(
      localUserName(() => {
        throw new Error("no passwd entry");
      }),
    ).toBe("you");
  });
});
