import { describe, expect, it } from "vitest";
import { isAuthorized } from "../../../src/http/basic-auth.js";

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

describe("isAuthorized", () => {
  it("accepts the right user and password", () => {
    expect(isAuthorized(basic("ops:s3cret"), "ops", "s3cret")).toBe(true);
    expect(isAuthorized(basic("ops:s3cret").replace("Basic", "basic"), "ops", "s3cret")).toBe(true);
  });

  it("keeps colons and non-ASCII in the password", () => {
    expect(isAuthorized(basic("ops:a:b:ç"), "ops", "a:b:ç")).toBe(true);
  });

  it("rejects a wrong user, a wrong password or a prefix of either", () => {
    expect(isAuthorized(basic("op:s3cret"), "ops", "s3cret")).toBe(false);
    expect(isAuthorized(basic("ops:s3cre"), "ops", "s3cret")).toBe(false);
    expect(isAuthorized(basic("ops:s3cretX"), "ops", "s3cret")).toBe(false);
    expect(isAuthorized(basic("s3cret:ops"), "ops", "s3cret")).toBe(false);
  });

  it("rejects missing and malformed headers", () => {
    expect(isAuthorized(undefined, "ops", "s3cret")).toBe(false);
    expect(isAuthorized("", "ops", "s3cret")).toBe(false);
    expect(isAuthorized("Bearer abc", "ops", "s3cret")).toBe(false);
    expect(isAuthorized(basic("ops"), "ops", "s3cret")).toBe(false);
    expect(isAuthorized("Basic !!!", "ops", "s3cret")).toBe(false);
  });

  it("never accepts empty configured credentials", () => {
    expect(isAuthorized(basic(":"), "", "")).toBe(false);
  });
});
