import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { isSameOriginWrite } from "../../../src/http/same-origin.js";

const host = "chorebot.example.com";

describe("isSameOriginWrite", () => {
  it.each<[string, string | undefined, IncomingHttpHeaders]>([
    ["GET cross-site", "GET", { host, "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["HEAD cross-site", "HEAD", { host, "sec-fetch-site": "cross-site" }],
    ["OPTIONS with a foreign origin", "OPTIONS", { host, origin: "https://evil.example" }],
    ["lower-case get", "get", { host, origin: "null" }],
    ["PUT with no browser headers (curl, scripts)", "PUT", { host }],
    ["POST with no headers at all", "POST", {}],
    ["PUT same-origin by Sec-Fetch-Site", "PUT", { host, "sec-fetch-site": "same-origin" }],
    ["PUT typed by the user (Sec-Fetch-Site: none)", "PUT", { host, "sec-fetch-site": "none" }],
    ["PUT with Sec-Fetch-Site in another case", "PUT", { host, "sec-fetch-site": "Same-Origin" }],
    ["PUT whose Origin matches Host", "PUT", { host, origin: `https://${host}` }],
    ["PUT whose Origin matches Host with a port", "PUT", { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" }],
    ["PUT whose Origin matches an IPv6 Host", "PUT", { host: "[::1]:3000", origin: "http://[::1]:3000" }],
    ["PUT whose Host differs only in case", "PUT", { host: "ChoreBot.Example.com", origin: `https://${host}` }],
    ["PUT whose Host names the scheme's default port", "PUT", { host: `${host}:443`, origin: `https://${host}` }],
    ["DELETE with both headers agreeing", "DELETE", { host, origin: `https://${host}`, "sec-fetch-site": "same-origin" }],
  ])("allows %s", (_name, method, headers) => {
    expect(isSameOriginWrite(method, headers)).toBe(true);
  });

  it.each<[string, string | undefined, IncomingHttpHeaders]>([
    ["POST cross-site", "POST", { host, "sec-fetch-site": "cross-site" }],
    ["PUT cross-site", "PUT", { host, "sec-fetch-site": "cross-site" }],
    ["PATCH cross-site", "PATCH", { host, "sec-fetch-site": "cross-site" }],
    ["DELETE cross-site", "DELETE", { host, "sec-fetch-site": "cross-site" }],
    ["PUT same-site (a sibling subdomain)", "PUT", { host, "sec-fetch-site": "same-site" }],
    ["PUT with an unknown Sec-Fetch-Site", "PUT", { host, "sec-fetch-site": "bogus" }],
    ["PUT with an empty Sec-Fetch-Site", "PUT", { host, "sec-fetch-site": "" }],
    ["PUT with Sec-Fetch-Site repeated", "PUT", { host, "sec-fetch-site": "same-origin, cross-site" }],
    ["PUT same-origin by Sec-Fetch-Site but a foreign Origin", "PUT", { host, "sec-fetch-site": "same-origin", origin: "https://evil.example" }],
    ["PUT from a foreign Origin", "PUT", { host, origin: "https://evil.example" }],
    ["PUT from Origin: null", "PUT", { host, origin: "null" }],
    ["PUT from an empty Origin", "PUT", { host, origin: "" }],
    ["PUT from a malformed Origin", "PUT", { host, origin: "not a url" }],
    ["PUT from a non-web Origin", "PUT", { host, origin: `file://${host}` }],
    ["PUT from an Origin with a path", "PUT", { host, origin: `https://${host}/x` }],
    ["PUT from an Origin with credentials", "PUT", { host, origin: `https://u:p@${host}` }],
    ["PUT whose Origin has another port", "PUT", { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3001" }],
    ["PUT whose Origin has a suffix of Host", "PUT", { host, origin: `https://${host}.evil.example` }],
    ["PUT whose Origin is a parent of Host", "PUT", { host, origin: "https://example.com" }],
    ["PUT whose Origin names a default port Host does not", "PUT", { host: `${host}:443`, origin: `http://${host}` }],
    ["PUT with an Origin but no Host", "PUT", { origin: `https://${host}` }],
    ["PUT with an Origin and a Host with a path", "PUT", { host: `${host}/x`, origin: `https://${host}` }],
    ["PUT with an Origin and a Host with userinfo", "PUT", { host: `evil.example@${host}`, origin: `https://${host}` }],
    ["a write with no method and a foreign Origin", undefined, { host, origin: "https://evil.example" }],
  ])("refuses %s", (_name, method, headers) => {
    expect(isSameOriginWrite(method, headers)).toBe(false);
  });
});
