import type { ApplicationFunction, ApplicationFunctionOptions } from "probot";
import { handlePush, type EnqueueRuns } from "./github/handle-push.js";
import type { ServerLimits } from "./github/repo-config.js";

type Handler = Parameters<ApplicationFunctionOptions["addHandler"]>[0];

/** The Probot app: wires webhook handlers and HTTP routes, nothing else. */
export function chorebotApp(deps: { enqueue: EnqueueRuns; limits: ServerLimits; dashboard: Handler | null }): ApplicationFunction {
  return (app, { addHandler }) => {
    app.on("push", handlePush(deps.enqueue, deps.limits));
    if (deps.dashboard) addHandler(deps.dashboard);
  };
}
