import { ApiError } from "./api-error.js";
import { isoSeconds } from "./git-parse.js";
import type { AutoMergeRecord, PullRequestRecord } from "./pull-requests.js";
import type { GraphQLResult, Router } from "./router.js";
import { DOCS } from "./route-helpers.js";
import type { StandInState } from "./state.js";
import { BOT_LOGIN, nodeId } from "./users.js";

const MUTATION = "enablePullRequestAutoMerge";
const MERGE_METHODS: Record<string, AutoMergeRecord["mergeMethod"]> = { MERGE: "merge", SQUASH: "squash", REBASE: "rebase" };

interface GraphQLError {
  type?: string;
  path?: string[];
  message: string;
}

/** A field of the mutation's input: an inline literal, `$variable`, or a field of an `input: $variable` object. */
function inputField(query: string, variables: Record<string, unknown>, field: string): unknown {
  // Only the mutation's arguments count: not `$mergeMethod: PullRequestMergeMethod!` declarations.
  query = query.slice(query.search(new RegExp(`\\b${MUTATION}\\s*\\(`)));
  const inline = new RegExp(`(?<![$\\w])${field}\\s*:\\s*(\\$\\w+|"(?:[^"\\\\]|\\\\.)*"|\\w+)`).exec(query);
  if (inline) {
    const token = inline[1]!;
    if (token.startsWith("$")) return variables[token.slice(1)];
    if (token.startsWith('"')) return JSON.parse(token) as string;
    return token;
  }
  const whole = /(?<![$\w])input\s*:\s*\$(\w+)/.exec(query);
  const input = whole ? variables[whole[1]!] : undefined;
  return typeof input === "object" && input !== null ? (input as Record<string, unknown>)[field] : undefined;
}

/**
 * GraphQL at GHES's `/api/graphql` (what octokit.graphql uses for a `/api/v3` baseUrl). Supports
 * exactly `enablePullRequestAutoMerge(input: { pullRequestId, mergeMethod })`, parsed loosely;
 * answers always 200 with `data` and/or `errors`, like GitHub's GraphQL.
 */
export function registerGraphQLRoutes(router: Router, state: StandInState): void {
  const failure = (errors: GraphQLError[], data: unknown = null): GraphQLResult => ({
    status: 200,
    body: data === null ? { errors } : { data, errors },
  });

  router.add("POST", "/graphql", "installation", "graphql", (ctx) => {
    const body = ctx.body;
    if (typeof body !== "object" || body === null || typeof (body as { query?: unknown }).query !== "string") {
      throw new ApiError(400, "Problems parsing JSON", DOCS.graphql);
    }
    const query = (body as { query: string }).query;
    const rawVariables = (body as { variables?: unknown }).variables;
    const variables = typeof rawVariables === "object" && rawVariables !== null ? (rawVariables as Record<string, unknown>) : {};
    if (!/^\s*mutation\b/.test(query) || !new RegExp(`\\b${MUTATION}\\s*\\(`).test(query)) {
      return failure([{ message: `The GitHub stand-in supports only the ${MUTATION} mutation.` }]);
    }
    const path = [MUTATION];
    const unprocessable = (message: string) => failure([{ type: "UNPROCESSABLE", path, message }], { [MUTATION]: null });

    const id = inputField(query, variables, "pullRequestId");
    const pr = state.pulls.all().find((candidate: PullRequestRecord) => nodeId("PR", candidate.id) === id);
    if (!pr || ctx.auth.kind !== "installation" || ctx.auth.installationId !== state.installationId) {
      return failure([{ type: "NOT_FOUND", path, message: `Could not resolve to a node with the global id of '${String(id)}'.` }], { [MUTATION]: null });
    }
    const rawMethod = inputField(query, variables, "mergeMethod") ?? "MERGE";
    const mergeMethod = typeof rawMethod === "string" ? MERGE_METHODS[rawMethod] : undefined;
    if (!mergeMethod) {
      return failure([
        {
          message: `Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value (${JSON.stringify(rawMethod)}). Expected type 'PullRequestMergeMethod'.`,
        },
      ]);
    }
    if (!state.allowAutoMerge) return unprocessable("Pull request Auto merge is not allowed for this repository");
    if (pr.state !== "open") return unprocessable("Pull request Pull request is closed");

    pr.autoMerge = { mergeMethod, enabledBy: BOT_LOGIN, enabledAt: isoSeconds() };
    pr.updatedAt = pr.autoMerge.enabledAt;
    return {
      status: 200,
      body: {
        data: {
          [MUTATION]: {
            pullRequest: {
              id,
              number: pr.number,
              autoMergeRequest: {
                enabledAt: pr.autoMerge.enabledAt,
                mergeMethod: Object.keys(MERGE_METHODS).find((key) => MERGE_METHODS[key] === mergeMethod),
                enabledBy: { login: BOT_LOGIN },
              },
            },
          },
        },
      },
    };
  });
}
