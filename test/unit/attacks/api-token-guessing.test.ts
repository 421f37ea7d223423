import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createChoresApiHandler, type ChoresApiDeps } from "../../../src/api/create-chores-api-handler.js";
import { MAX_PENDING_TOKENS } from "../../../src/api/user-gate.js";
import type { TokenIdentity } from "../../../src/auth/user-token.js";
import { serveHandler } from "../../helpers/serve-handler.js";

const makeToken = () => `ghp_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;

// Attack: a token is counted as a failure only once GitHub has answered for it, so 100 guesses
// sent at once from one address all passed the lockout check (10 failures) before the first was
// counted: 100 guesses and 100 GET /user from chorebot's address, instead of 10.
describe("the API's token gate: guesses sent at once", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("lets one address have at most MAX_PENDING_TOKENS different tokens checked at once; the rest get 429 without GitHub being asked", async () => {
    const asked: string[] = [];
    const answers: Array<(identity: TokenIdentity) => void> = [];
    let goodToken = "";
    const identify = (token: string): Promise<TokenIdentity> => {
      if (token === goodToken) return Promise.resolve({ ok: true, login: "wendy", id: 1 });
      asked.push(token);
      return new Promise((resolve) => answers.push(resolve));
    };
    const deps = { identify, publicUrl: null, pagesServed: false } as unknown as ChoresApiDeps;
    deps.onDemand = { catalog: { read: async () => null } } as unknown as ChoresApiDeps["onDemand"];
    ({ server } = await serveHandler(createChoresApiHandler(deps)));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const guess = (token: string) => fetch(`${base}/api/chores/acme/ops`, { headers: { authorization: `Bearer ${token}` } });

    // The ones over the cap are answered while the others still wait for GitHub (which answers none until told).
    const refused: Response[] = [];
    let allRefused: () => void = () => undefined;
    const twentyAnswered = new Promise<void>((resolve) => (allRefused = resolve));
    const guesses = Array.from({ length: 3 * MAX_PENDING_TOKENS }, () =>
      guess(makeToken()).then((res) => {
        if (refused.push(res) === 2 * MAX_PENDING_TOKENS) allRefused();
        return res;
      }),
    );
    await twentyAnswered;
    for (const res of refused) expect(res.status).toBe(429);
    expect(asked).toHaveLength(MAX_PENDING_TOKENS);

    // GitHub rejects the ten: the address is now locked out, a good token included.
    for (const answer of answers) answer({ ok: false, status: 401, reason: "rejected", message: "GitHub rejected the token" });
    const first = await Promise.all(guesses);
    expect(first.filter((res) => res.status === 401)).toHaveLength(MAX_PENDING_TOKENS);
    expect(first.filter((res) => res.status === 429)).toHaveLength(2 * MAX_PENDING_TOKENS);
    goodToken = makeToken();
    expect((await guess(goodToken)).status).toBe(429);
    expect(asked).toHaveLength(MAX_PENDING_TOKENS);
  });

  it("one token sent many times at once is one token being checked (a CI job's parallel calls all get in)", async () => {
    const token = makeToken();
    let release: (identity: TokenIdentity) => void = () => undefined;
    const shared = new Promise<TokenIdentity>((resolve) => (release = resolve));
    const deps = { identify: () => shared, publicUrl: null, pagesServed: false } as unknown as ChoresApiDeps;
    deps.onDemand = { catalog: { read: async () => null } } as unknown as ChoresApiDeps["onDemand"];
    ({ server } = await serveHandler(createChoresApiHandler(deps)));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const calls = Array.from({ length: 3 * MAX_PENDING_TOKENS }, () => fetch(`${base}/api/chores/acme/ops`, { headers: { authorization: `Bearer ${token}` } }));
    release({ ok: true, login: "wendy", id: 1 });
    for (const res of await Promise.all(calls)) expect(res.status).toBe(404);
  });
});
