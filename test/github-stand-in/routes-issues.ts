import { notFound, ValidationFailed } from "./api-error.js";
import { isoSeconds } from "./git-parse.js";
import type { IssueCommentRecord } from "./issue-comments.js";
import { paginate } from "./paginate.js";
import type { RouteContext, Router } from "./router.js";
import { bodyObject, DOCS, requireRepo, requireString } from "./route-helpers.js";
import { issueComment } from "./shapes.js";
import type { StandInState } from "./state.js";
import { BOT_LOGIN } from "./users.js";

/** GitHub's cap on a comment body. */
const MAX_BODY_CHARS = 65536;

function commentBody(ctx: RouteContext, docs: string): string {
  const body = requireString(bodyObject(ctx), "body", docs);
  if (body.length > MAX_BODY_CHARS) {
    throw new ValidationFailed(
      [
        {
          resource: "IssueComment",
          code: "custom",
          field: "body",
          message: `body is too long (maximum is ${MAX_BODY_CHARS} characters)`,
        },
      ],
      docs,
    );
  }
  return body;
}

/** Issue comments — the PR conversation (issues only exist as PRs here). Writes are the app's bot's. */
export function registerIssueRoutes(router: Router, state: StandInState): void {
  const issueNumber = (ctx: RouteContext, docs: string): number => {
    requireRepo(state, ctx);
    const number = Number(ctx.params.issue_number);
    if (!Number.isInteger(number) || !state.pulls.get(number)) throw notFound(docs);
    return number;
  };

  router.add("POST", "/repos/:owner/:repo/issues/:issue_number/comments", "installation", "issues/create-comment", (ctx) => {
    const number = issueNumber(ctx, DOCS.createComment);
    const body = commentBody(ctx, DOCS.createComment);
    const now = isoSeconds();
    const record: IssueCommentRecord = {
      id: state.comments.nextId(),
      issueNumber: number,
      body,
      user: BOT_LOGIN,
      createdAt: now,
      updatedAt: now,
    };
    state.comments.add(record);
    const created = issueComment(state, record);
    return { status: 201, headers: { location: created.url }, body: created };
  });

  router.add("PATCH", "/repos/:owner/:repo/issues/comments/:comment_id", "installation", "issues/update-comment", (ctx) => {
    requireRepo(state, ctx);
    const record = state.comments.get(Number(ctx.params.comment_id));
    if (!record) throw notFound(DOCS.updateComment);
    record.body = commentBody(ctx, DOCS.updateComment);
    record.updatedAt = isoSeconds();
    return { status: 200, body: issueComment(state, record) };
  });

  router.add("GET", "/repos/:owner/:repo/issues/comments/:comment_id", "installation", "issues/get-comment", (ctx) => {
    requireRepo(state, ctx);
    const record = state.comments.get(Number(ctx.params.comment_id));
    if (!record) throw notFound(DOCS.updateComment);
    return { status: 200, body: issueComment(state, record) };
  });

  router.add("GET", "/repos/:owner/:repo/issues/:issue_number/comments", "installation", "issues/list-comments", (ctx) => {
    const number = issueNumber(ctx, DOCS.listComments);
    return paginate(
      ctx,
      state.comments.on(number).map((record) => issueComment(state, record)),
    );
  });
}
