import type { IncomingMessage } from "node:http";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import type { ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import type { Permission } from "../../../src/github/permission.js";
import { entry, indexedChore, repoCatalog } from "./chores-fixtures.js";

/** The tests' sign-in: the `user` cookie names who is signed in, and their CSRF token is `token-of-<login>`. */
export function cookieSignIn(): ChoresPagesDeps["signIn"] {
  const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
  return {
    user: (req) => (login(req) ? { login: login(req)!, id: 1 } : null),
    redirectToLogin: (_req, res) => void res.writeHead(302, { Location: "/login" }).end(),
    csrfToken: (req) => `token-of-${login(req)}`,
    verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
  };
}

/**
 * The chores pages' dependencies for the run pages of one chore of acme/shop: signed in by
 * cookie (cookieSignIn), each user's permission from `roles`, runs read by `run` and decided
 * through `decisions`; nothing is started, listed or cancelled.
 */
export function oneChorePagesDeps(o: {
  chore: string;
  roles: Record<string, Permission>;
  run: (runId: string) => Promise<ChoreRunView | null>;
  decisions: ChoresPagesDeps["decisions"];
}): ChoresPagesDeps {
  const catalog = repoCatalog("acme", "shop", [entry(indexedChore(o.chore, null))]);
  return {
    catalog: {
      repositories: async () => [{ owner: "acme", repo: "shop" }],
      read: async (owner, repo) => (owner === "acme" && repo === "shop" ? catalog : null),
      bundle: async () => null,
    },
    signIn: cookieSignIn(),
    permission: async (_repo, user) => o.roles[user] ?? "none",
    requiredPermission: (c) => c.config.chores.permission,
    startRun: async () => ({ runId: "unused" }),
    run: o.run,
    history: async () => [],
    cancel: async () => undefined,
    decisions: o.decisions,
    fileLimit: 1024,
  };
}
