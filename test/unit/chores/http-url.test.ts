import { expect, it } from "vitest";
import { httpUrl } from "../../../src/chores/http-url.js";

it("links only to http(s) addresses", () => {
  expect(httpUrl("https://github.com/acme/shop/pull/7")).toBe("https://github.com/acme/shop/pull/7");
  expect(httpUrl("http://ghe.local/x")).toBe("http://ghe.local/x");
  for (const url of ["javascript:alert(1)", "data:text/html,x", "/relative", "", null, undefined]) expect(httpUrl(url)).toBeUndefined();
});
