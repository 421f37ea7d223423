import { ApiError } from "./api-error.js";
import type { Router } from "./router.js";
import { DOCS, requireRepo } from "./route-helpers.js";
import { collaboratorPermission } from "./shapes.js";
import type { StandInState } from "./state.js";
import { isBotLogin } from "./users.js";

/** Collaborators: a user's role on the repository. */
export function registerCollaboratorRoutes(router: Router, state: StandInState): void {
  router.add("GET", "/repos/:owner/:repo/collaborators/:username/permission", "installation", "repos/get-collaborator-permission-level", (ctx) => {
    requireRepo(state, ctx);
    const username = ctx.params.username!;
    // An app's bot is not a user, so never a collaborator: GitHub answers its documented 404, with
    // this message (what it says for dependabot[bot] or Copilot), not a 200 "none".
    if (isBotLogin(username)) throw new ApiError(404, `${username} is not a user`, DOCS.collaboratorPermission);
    const { login, role } = state.collaborators.get(username);
    return { status: 200, body: collaboratorPermission(state, login, role) };
  });
}
