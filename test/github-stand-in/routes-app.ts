import { ApiError, notFound } from "./api-error.js";
import { isoSeconds } from "./git-parse.js";
import type { Schema } from "./openapi.js";
import type { Router, RouteContext } from "./router.js";
import { bodyObject, DOCS, notA, requireRepo } from "./route-helpers.js";
import { appNumber, CREATED_AT, organization, repository } from "./shapes.js";
import type { StandInState } from "./state.js";
import { APP_SLUG } from "./users.js";

const DEFAULT_PERMISSIONS: Record<string, string> = {
  contents: "write",
  metadata: "read",
  pull_requests: "read",
};

/** The app id from the JWT's `iss`: a number when it is one, as GitHub's numeric app ids are. */
function appId(ctx: RouteContext): number | string {
  const iss = ctx.auth.kind === "app" ? ctx.auth.appId : "0";
  return Number(iss) || iss;
}

function installation(state: StandInState, ctx: RouteContext): Schema<"installation"> {
  const id = state.installationId;
  const account = organization(state);
  return {
    id,
    account,
    repository_selection: "selected",
    access_tokens_url: `${state.apiUrl}/app/installations/${id}/access_tokens`,
    repositories_url: `${state.apiUrl}/installation/repositories`,
    html_url: `${state.htmlUrl}/organizations/${state.owner}/settings/installations/${id}`,
    app_id: appNumber(appId(ctx)),
    app_slug: APP_SLUG,
    target_id: account.id,
    target_type: "Organization",
    permissions: DEFAULT_PERMISSIONS,
    events: ["push"],
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

function requireInstallation(state: StandInState, ctx: RouteContext): void {
  if (Number(ctx.params.installation_id) !== state.installationId) throw notFound();
}

/** Installations, and the installation access tokens every other route authenticates with. */
export function registerAppRoutes(router: Router, state: StandInState): void {
  router.add("GET", "/app/installations/:installation_id", "app", "apps/get-installation", (ctx) => {
    requireInstallation(state, ctx);
    return { status: 200, body: installation(state, ctx) };
  });

  router.add("GET", "/repos/:owner/:repo/installation", "app", "apps/get-repo-installation", (ctx) => {
    requireRepo(state, ctx);
    return { status: 200, body: installation(state, ctx) };
  });

  router.add("POST", "/app/installations/:installation_id/access_tokens", "app", "apps/create-installation-access-token", (ctx) => {
    requireInstallation(state, ctx);
    const body = bodyObject(ctx);
    const optionalArray = (field: string): unknown[] | undefined => {
      const value = body[field];
      if (value !== undefined && !Array.isArray(value)) throw notA(field, value, "an array");
      return value;
    };
    const repositories = optionalArray("repositories");
    const repositoryIds = optionalArray("repository_ids");
    const repo = repository(state);
    const wrongName = (repositories ?? []).some((name) => typeof name !== "string" || name.toLowerCase() !== state.repo.toLowerCase());
    const wrongId = (repositoryIds ?? []).some((id) => id !== repo.id);
    if (wrongName || wrongId) {
      throw new ApiError(422, "There is at least one repository that does not exist or is not accessible to the parent installation.", DOCS.accessTokens);
    }
    let permissions = DEFAULT_PERMISSIONS;
    if (body.permissions !== undefined) {
      if (typeof body.permissions !== "object" || body.permissions === null) {
        throw notA("permissions", body.permissions, "an object");
      }
      permissions = body.permissions as Record<string, string>;
    }
    const issued = state.tokens.issue(state.installationId, permissions);
    state.appId = appId(ctx);
    return {
      status: 201,
      body: {
        token: issued.token,
        expires_at: isoSeconds(issued.expiresAt),
        permissions,
        repository_selection: "selected",
        ...(repositories || repositoryIds ? { repositories: [repo] } : {}),
      },
    };
  });
}
