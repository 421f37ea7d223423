import { describe, expect, it } from "vitest";
import { localPath } from "../../../src/auth/local-path.js";

describe("localPath (where to go after signing in)", () => {
  it("keeps a page of this server, with its query", () => {
    expect(localPath("/chores")).toBe("/chores");
    expect(localPath("/chores/acme/widgets/unlock-account?tab=runs&x=%2F")).toBe("/chores/acme/widgets/unlock-account?tab=runs&x=%2F");
    expect(localPath("/runs/a..b")).toBe("/runs/a..b");
  });

  it("normalises dot segments and drops the fragment", () => {
    expect(localPath("/chores/../admin/queues")).toBe("/admin/queues");
    expect(localPath("/chores#top")).toBe("/chores");
  });

  it.each([
    ["another site", "https://evil.example/"],
    ["a scheme-relative URL", "//evil.example/chores"],
    ["a backslash browsers read as a slash", "/\\evil.example"],
    ["a backslash further on", "/chores\\..\\\\evil.example"],
    ["a tab browsers drop", "/\t/evil.example"],
    ["a newline browsers drop", "/\n/evil.example"],
    ["a carriage return (header splitting)", "/chores\r\nSet-Cookie: x=1"],
    ["a space", "/ /evil.example"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a relative path", "chores"],
    ["nothing", ""],
    ["a missing value", null],
    ["an absent value", undefined],
    ["the login page (a loop)", "/login?next=/login"],
    ["the callback", "/login/callback?code=x"],
    ["the logout route", "/logout"],
    ["an overlong path", `/${"a".repeat(3000)}`],
  ])("sends %s to /chores", (_what, next) => {
    expect(localPath(next)).toBe("/chores");
  });

  it("keeps a percent-encoded slash as it is (it names no other host)", () => {
    expect(localPath("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
  });
});
