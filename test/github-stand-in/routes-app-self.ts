import type { Router } from "./router.js";
import { app } from "./shapes.js";
import type { StandInState } from "./state.js";

/** GET /app: the app its JWT authenticates (its slug names its bot user, `<slug>[bot]`). */
export function registerAppSelfRoutes(router: Router, state: StandInState): void {
  router.add("GET", "/app", "app", "apps/get-authenticated", (ctx) => {
    const iss = ctx.auth.kind === "app" ? ctx.auth.appId : "0";
    return { status: 200, body: app(state, Number(iss) || iss) };
  });
}
