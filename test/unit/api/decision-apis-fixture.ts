import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createChoresApiHandler } from "../../../src/api/create-chores-api-handler.js";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import type { RunDeciders } from "../../../src/api/decide-as.js";
import type { TokenIdentity } from "../../../src/auth/user-token.js";
import type { Handler } from "../../../src/http/handler.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";

/** The dashboard's login, as serveDecisionApis takes it. */
export const DASHBOARD = basicAuth("ops", "s3cret");
/** A user token GitHub would say is `login`'s. */
export const tokenOf = (login: string) => `ghp_${login}-token-made-for-this-test`;
export const bearer = (login: string) => ({ Authorization: `Bearer ${tokenOf(login)}` });

/**
 * The chores API (user tokens: tokenOf's are GitHub's users, any other is rejected) chained
 * with the runs API (the dashboard's login, DASHBOARD), both deciding runs through `deciders`,
 * served on a free port; `close` stops the server and the cancellations it made.
 */
export async function serveDecisionApis(client: Redis, prefix: string, execute: Queue, deciders: RunDeciders) {
  const cancellations = new Cancellations(client, prefix, { executeQueue: execute });
  const identify = async (token: string): Promise<TokenIdentity> => {
    const login = /^ghp_(\w+)-token-made-for-this-test$/.exec(token)?.[1];
    return login ? { ok: true, login, id: 1 } : { ok: false, status: 401, reason: "rejected", message: "GitHub rejected the token" };
  };
  const choresApi = createChoresApiHandler({
    onDemand: {} as never,
    runs: { get: async () => null },
    identify,
    publicUrl: null,
    pagesServed: false,
    deciders,
  });
  const runsApi = createRunsApiHandler({ cancellations, user: "ops", password: "s3cret", deciders });
  const chain: Handler = async (req, res) => (await choresApi(req, res)) || runsApi(req, res);
  const { base, server } = await serveHandler(chain);
  return {
    base,
    async close(): Promise<void> {
      await new Promise((resolve) => server.close(resolve));
      await cancellations.close();
    },
  };
}
