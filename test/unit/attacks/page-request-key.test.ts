/**
 * A chore form's request key comes from the browser: it must not name the run a `/chorebot run`
 * comment gets (`comment-<id>`), or a form sent with that key would start, under that id, a run
 * with its sender's values, and the comment's command would then be answered with it instead of
 * running (startChore answers a run that exists).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoreRunRequest, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import { RUN_NAME_FIELD } from "../../../src/chores/form-names.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { description, entry, indexedChore, repoCatalog, runView } from "../chores/chores-fixtures.js";

const PATH = "/chores/acme/shop/unlock-account";
const unlock = indexedChore("unlock-account", description({ account: { type: "string", required: true } }));
const catalog = repoCatalog("acme", "shop", [entry(unlock)]);
// The key and run id ChatOps gives the command of comment 2400000001 (src/chatops/handle-issue-comment.ts).
const COMMENT_KEY = "comment-2400000001";
const COMMENT_RUN = choreRunId({ owner: "acme", repo: "shop", name: "unlock-account", requestKey: COMMENT_KEY });

let started: ChoreRunRequest[];
let runs: Map<string, ChoreRunView>;
let claims: Map<string, string>;
/** Makes the next start throw once its run is queued (a write after the flow's failed). */
let failAfterQueueing: Error | null = null;
let base: string;
let http: Server;

const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
const deps: ChoresPagesDeps = {
  catalog: {
    repositories: async () => [{ owner: "acme", repo: "shop" }],
    read: async (owner, repo) => (owner === "acme" && repo === "shop" ? catalog : null),
    bundle: async () => null,
  },
  signIn: {
    user: (req) => (login(req) === null ? null : { login: login(req)!, id: 1 }),
    redirectToLogin: (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(302, { Location: "/login" }).end(),
    csrfToken: (req) => `token-of-${login(req)}`,
    verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
  },
  permission: async () => "write",
  requiredPermission: () => "write",
  startRun: async (request) => {
    started.push(request);
    const fail = failAfterQueueing;
    failAfterQueueing = null;
    // As enqueueChoreRun: the run's id from the request key.
    const runId = choreRunId({ owner: request.catalog.owner, repo: request.catalog.repo, name: request.chore.name, requestKey: request.requestKey });
    runs.set(runId, runView({ id: runId, status: "queued" }));
    if (fail) throw fail;
    return { runId };
  },
  run: async (runId) => runs.get(runId) ?? null,
  history: async () => [],
  cancel: async () => {},
  fileLimit: 1024,
  names: {
    claim: async (_repo, name, runId) => {
      const held = claims.get(name);
      if (held !== undefined && held !== runId) return { taken: true, runId: held };
      claims.set(name, runId);
      return { taken: false };
    },
    release: async (_repo, name, runId) => {
      if (claims.get(name) === runId) claims.delete(name);
    },
    ttlMs: 60_000,
  },
};

beforeAll(async () => {
  ({ base, server: http } = await serveHandler((req, res) => createChoresHandler(deps)(req, res)));
});
afterAll(async () => {
  await new Promise((resolve) => http?.close(resolve));
});
beforeEach(() => {
  started = [];
  runs = new Map();
  claims = new Map();
});

async function post(fields: Record<string, string>) {
  const form = new URLSearchParams({ csrf: "token-of-mallory", version: unlock.commit, request_key: COMMENT_KEY, account: "acct_666", ...fields });
  return fetch(`${base}${PATH}`, { method: "POST", body: form, headers: { Cookie: "user=mallory" }, redirect: "manual" });
}

describe("a chore form sent with a comment's request key", () => {
  it.each([
    ["unnamed", {}],
    ["named", { [RUN_NAME_FIELD]: "mallory-run" }],
  ])("%s: starts a run of its own, never the comment's", async (_, fields) => {
    const res = await post(fields);
    expect(res.status).toBe(303);
    expect(started).toHaveLength(1);
    expect(res.headers.get("location")).not.toBe(`/chores/runs/${COMMENT_RUN}`);
    expect([...runs.keys()]).not.toContain(COMMENT_RUN);
  });

  it("is not sent to the comment's run when that run exists, and claims its name for its own run", async () => {
    runs.set(COMMENT_RUN, runView({ id: COMMENT_RUN, status: "queued", requested_by: "alice" }));
    const res = await post({ [RUN_NAME_FIELD]: "mallory-run" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).not.toBe(`/chores/runs/${COMMENT_RUN}`);
    expect(started).toHaveLength(1);
    expect(claims.get("mallory-run")).not.toBe(COMMENT_RUN);
  });

  it("sent again, unnamed, with other values once its run exists, queues nothing (no inputs stored again for that run)", async () => {
    const first = await post({ account: "acct_1" });
    const second = await post({ account: "acct_2" });
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(started.map((request) => request.values.account)).toEqual(["acct_1"]);
  });

  it("keeps its name when starting failed after the run was queued after all", async () => {
    // Found attacking #20: the name was freed while its run waited and ran, for another run to take.
    failAfterQueueing = new Error("history not recorded: Redis went away");
    const res = await post({ [RUN_NAME_FIELD]: "mallory-run" });
    expect(res.status).toBe(500);
    expect(claims.get("mallory-run")).toBe([...runs.keys()][0]);
  });

  it("is still one run when sent twice", async () => {
    const first = await post({ [RUN_NAME_FIELD]: "mallory-run" });
    const second = await post({ [RUN_NAME_FIELD]: "mallory-run" });
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(started).toHaveLength(1);
  });
});
