import { invalidRequest, notFound } from "./api-error.js";
import { isoSeconds } from "./git-parse.js";
import { paginate } from "./paginate.js";
import { REACTION_CONTENTS, type ReactionContent } from "./reactions.js";
import type { RouteContext, Router } from "./router.js";
import { bodyObject, requireRepo, requireString } from "./route-helpers.js";
import { reaction } from "./shapes.js";
import type { StandInState } from "./state.js";
import { BOT_LOGIN } from "./users.js";

const DOCS = {
  create: "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment",
  list: "https://docs.github.com/rest/reactions/reactions#list-reactions-for-an-issue-comment",
};

function reactionContent(value: string, docs: string): ReactionContent {
  if (!(REACTION_CONTENTS as readonly string[]).includes(value)) {
    throw invalidRequest(`${JSON.stringify(value)} is not a member of ${JSON.stringify(REACTION_CONTENTS)}.`, docs);
  }
  return value as ReactionContent;
}

/** Reactions on issue comments: the app's bot adds them (201 new, 200 when it had that one already); anyone lists them. */
export function registerReactionRoutes(router: Router, state: StandInState): void {
  const commentOf = (ctx: RouteContext, docs: string) => {
    requireRepo(state, ctx);
    const record = state.comments.get(Number(ctx.params.comment_id));
    if (!record) throw notFound(docs);
    return record;
  };

  router.add("POST", "/repos/:owner/:repo/issues/comments/:comment_id/reactions", "installation", "reactions/create-for-issue-comment", (ctx) => {
    const comment = commentOf(ctx, DOCS.create);
    const content = reactionContent(requireString(bodyObject(ctx), "content", DOCS.create), DOCS.create);
    const added = state.reactions.add(comment.id, BOT_LOGIN, content, isoSeconds());
    return added.created ? { status: 201, body: reaction(state, added.reaction) } : { status: 200, body: reaction(state, added.reaction) };
  });

  router.add("GET", "/repos/:owner/:repo/issues/comments/:comment_id/reactions", "installation", "reactions/list-for-issue-comment", (ctx) => {
    const comment = commentOf(ctx, DOCS.list);
    const wanted = ctx.query.get("content");
    const content = wanted === null ? null : reactionContent(wanted, DOCS.list);
    const reactions = state.reactions.on(comment.id).filter((r) => content === null || r.content === content);
    return paginate(
      ctx,
      reactions.map((r) => reaction(state, r)),
    );
  });
}
