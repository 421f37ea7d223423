import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChoreListing } from "../../../src/api/chore-listing.js";
import { formatChoreList } from "../../../src/bin/format-chore-list.js";
import { runsApiClient } from "../../../src/bin/runs-api-client.js";
import { userTokenFromEnv } from "../../../src/bin/user-token-env.js";

describe("userTokenFromEnv", () => {
  it("reads GH_TOKEN first, then GITHUB_TOKEN, as gh does; empty is none", () => {
    expect(userTokenFromEnv({ GH_TOKEN: "a", GITHUB_TOKEN: "b" })).toEqual({ value: "a", from: "GH_TOKEN" });
    expect(userTokenFromEnv({ GH_TOKEN: " ", GITHUB_TOKEN: "b" })).toEqual({ value: "b", from: "GITHUB_TOKEN" });
    expect(userTokenFromEnv({})).toBeNull();
  });
});

describe("formatChoreList", () => {
  it("prints each chore with the --input flags it takes, and whether the user may run it", () => {
    const listing: ChoreListing = {
      repository: "acme/ops",
      required_permission: "write",
      permission: "read",
      can_run: false,
      chores: [
        {
          name: "billing/unlock",
          path: "chores/billing/unlock.ts",
          description: "Unlocks an account",
          runnable: true,
          commit: "a".repeat(40),
          problem: null,
          inputs: {
            account: { type: "string", required: true, pattern: "^acct_", description: "the account" },
            attempts: { type: "int", required: false, default: 3, min: 1, max: 5 },
            token: { type: "string", required: false, secret: true },
            mode: { type: "string", required: true, default: "a", choices: ["a", "b"] },
          },
        },
        { name: "broken", path: "chores/broken.ts", description: null, runnable: false, commit: null, problem: "does not bundle", inputs: {} },
      ],
    };
    expect(formatChoreList(listing)).toBe(
      [
        "acme/ops: 2 chores (running them needs write; you have read)",
        "",
        "  billing/unlock  Unlocks an account",
        "    --input account=…  string, required, matching /^acct_/: the account",
        "    --input attempts=…  int, default 3, min 1, max 5",
        "    --input token=…  string, secret",
        '    --input mode=…  string, default "a", one of a, b',
        "",
        "  broken",
        "    not runnable: does not bundle",
      ].join("\n"),
    );
  });
});

describe("runsApiClient with a user token", () => {
  let server: Server;
  let base: string;
  let seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  let answer: (res: ServerResponse) => void;

  beforeEach(async () => {
    seen = [];
    answer = (res) => res.writeHead(202, { "content-type": "application/json" }).end('{"run":"r1"}');
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        answer(res);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.close();
    await once(server, "close");
  });

  const api = () => runsApiClient({ serverUrl: base, token: { value: "ghp_made_now", from: "GH_TOKEN" } });

  it("sends it as a Bearer token, each path segment of the chore encoded, the key as Idempotency-Key", async () => {
    await api().startChore("acme/ops", "billing/unlock account", { inputs: { a: "1" }, name: "n" }, "key-1");
    expect(seen[0]).toMatchObject({
      method: "POST",
      url: "/api/chores/acme/ops/billing/unlock%20account/runs",
      headers: { authorization: "Bearer ghp_made_now", "idempotency-key": "key-1", "content-type": "application/json" },
      body: '{"inputs":{"a":"1"},"name":"n"}',
    });
    await api().byName("nightly", "acme/ops");
    expect(seen[1]!.url).toBe("/api/runs?name=nightly&repo=acme%2Fops");
    await api().chores("acme/ops");
    expect(seen[2]!.url).toBe("/api/chores/acme/ops");
  });

  it("says a refused token's reason, as the server gives it, and which variable it came from", async () => {
    answer = (res) => res.writeHead(401, { "content-type": "application/json" }).end('{"error":"GitHub rejected the token (Bad credentials)"}');
    expect((await api().chores("acme/ops")).line).toBe("GitHub rejected the token (Bad credentials) (the token in GH_TOKEN)");
  });
});
