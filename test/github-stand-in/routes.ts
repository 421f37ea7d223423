import { Router } from "./router.js";
import { registerAppRoutes } from "./routes-app.js";
import { registerCollaboratorRoutes } from "./routes-collaborators.js";
import { registerContentsRoutes } from "./routes-contents.js";
import { registerCheckRoutes } from "./routes-checks.js";
import { registerGitDataRoutes } from "./routes-git-data.js";
import { registerGraphQLRoutes } from "./routes-graphql.js";
import { registerIssueRoutes } from "./routes-issues.js";
import { registerPullRoutes } from "./routes-pulls.js";
import { registerRefRoutes } from "./routes-refs.js";
import { registerRepoRoutes } from "./routes-repos.js";
import { registerReactionRoutes } from "./routes-reactions.js";
import { registerAppSelfRoutes } from "./routes-app-self.js";
import type { StandInState } from "./state.js";

/** Every REST endpoint the stand-in serves (paths below /api/v3), and GraphQL as "/graphql" (served at /api/graphql). */
export function buildRouter(state: StandInState): Router {
  const router = new Router();
  registerAppRoutes(router, state);
  registerRepoRoutes(router, state);
  registerCollaboratorRoutes(router, state);
  registerContentsRoutes(router, state);
  registerGitDataRoutes(router, state);
  registerRefRoutes(router, state);
  registerPullRoutes(router, state);
  registerCheckRoutes(router, state);
  registerIssueRoutes(router, state);
  registerReactionRoutes(router, state);
  registerAppSelfRoutes(router, state);
  registerGraphQLRoutes(router, state);
  return router;
}
