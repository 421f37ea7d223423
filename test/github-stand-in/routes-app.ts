import { ApiError, invalidRequest, notFound } from "./api-error.js";
import type { Router, RouteContext } from "./router.js";
import { bodyObject, DOCS, requireRepo } from "./route-helpers.js";
import { repository, user } from "./shapes.js";
import type { StandInState } from "./state.js";
import { APP_SLUG, nodeId } from "./users.js";

const DEFAULT_PERMISSIONS: Record<string, string> = {
  contents: "write",
  metadata: "read",
  pull_requests: "read",
};

function appId(ctx: RouteContext): string {
  return ctx.auth.kind === "app" ? ctx.auth.appId : "0";
}

function installation(state: StandInState, ctx: RouteContext) {
  const id = state.installationId;
  const created = "2024-01-02T03:04:05Z";
  return {
    id,
    node_id: nodeId("IN", id),
    account: { ...user(state, state.owner), type: "Organization" },
    repository_selection: "selected",
    access_tokens_url: `${state.apiUrl}/app/installations/${id}/access_tokens`,
    repositories_url: `${state.apiUrl}/installation/repositories`,
    html_url: `${state.htmlUrl}/organizations/${state.owner}/settings/installations/${id}`,
    app_id: Number(appId(ctx)) || appId(ctx),
    app_slug: APP_SLUG,
    target_id: user(state, state.owner).id,
    target_type: "Organization",
    permissions: DEFAULT_PERMISSIONS,
    events: ["push"],
    created_at: created,
    updated_at: created,
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

export function registerAppRoutes(router: Router, state: StandInState): void {
  router.add("GET", "/app", "app", (ctx) => ({
    status: 200,
    body: {
      id: Number(appId(ctx)) || appId(ctx),
      slug: APP_SLUG,
      node_id: nodeId("A", Number(appId(ctx)) || 1),
      owner: { ...user(state, state.owner), type: "Organization" },
      name: APP_SLUG,
      description: "chorebot (GitHub stand-in)",
      external_url: state.htmlUrl,
      html_url: `${state.htmlUrl}/apps/${APP_SLUG}`,
      created_at: "2024-01-02T03:04:05Z",
      updated_at: "2024-01-02T03:04:05Z",
      permissions: DEFAULT_PERMISSIONS,
      events: ["push"],
      installations_count: 1,
    },
  }));

  router.add("GET", "/app/installations", "app", (ctx) => ({ status: 200, body: [installation(state, ctx)] }));

  router.add("GET", "/app/installations/:installation_id", "app", (ctx) => {
    requireInstallation(state, ctx);
    return { status: 200, body: installation(state, ctx) };
  });

  router.add("GET", "/repos/:owner/:repo/installation", "app", (ctx) => {
    requireRepo(state, ctx);
    return { status: 200, body: installation(state, ctx) };
  });

  router.add("POST", "/app/installations/:installation_id/access_tokens", "app", (ctx) => {
    requireInstallation(state, ctx);
    const body = bodyObject(ctx);
    const repositories = body.repositories;
    const repositoryIds = body.repository_ids;
    if (repositories !== undefined && !Array.isArray(repositories)) {
      throw invalidRequest(`For 'properties/repositories', ${JSON.stringify(repositories)} is not an array.`);
    }
    if (repositoryIds !== undefined && !Array.isArray(repositoryIds)) {
      throw invalidRequest(`For 'properties/repository_ids', ${JSON.stringify(repositoryIds)} is not an array.`);
    }
    const repo = repository(state);
    const wrongName = (repositories ?? []).some(
      (name: unknown) => typeof name !== "string" || name.toLowerCase() !== state.repo.toLowerCase(),
    );
    const wrongId = (repositoryIds ?? []).some((id: unknown) => id !== repo.id);
    if (wrongName || wrongId) {
      throw new ApiError(
        422,
        "There is at least one repository that does not exist or is not accessible to the parent installation.",
        DOCS.accessTokens,
      );
    }
    let permissions = DEFAULT_PERMISSIONS;
    if (body.permissions !== undefined) {
      if (typeof body.permissions !== "object" || body.permissions === null) {
        throw invalidRequest(`For 'properties/permissions', ${JSON.stringify(body.permissions)} is not an object.`);
      }
      permissions = body.permissions as Record<string, string>;
    }
    const issued = state.tokens.issue(state.installationId, permissions);
    return {
      status: 201,
      body: {
        token: issued.token,
        expires_at: issued.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions,
        repository_selection: "selected",
        ...(repositories || repositoryIds ? { repositories: [repo] } : {}),
      },
    };
  });
}
