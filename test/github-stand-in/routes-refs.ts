import { notFound, unprocessable } from "./api-error.js";
import { ZERO_SHA } from "./git-repo.js";
import type { Router } from "./router.js";
import { bodyObject, DOCS, notA, requireRepo, requireString } from "./route-helpers.js";
import { gitRef } from "./shapes.js";
import type { StandInState } from "./state.js";

/**
 * Git Database API: references. `:ref` in paths is given without the leading "refs/"
 * (e.g. "heads/main"), exactly as on GitHub; writes use `git update-ref <ref> <new> <old>`
 * inside the repository mutex so a concurrent move is detected atomically.
 */
export function registerRefRoutes(router: Router, state: StandInState): void {
  const git = state.git;

  const refJson = async (ref: string, sha: string) => gitRef(state, ref, sha, (await git.objectType(sha)) ?? "commit");

  /** What GitHub checks before pointing `ref` at `sha`: it exists, and branches only hold commits. */
  const requireTarget = async (ref: string, sha: string, docs: string) => {
    const type = await git.objectType(sha);
    if (!type) throw unprocessable("Object does not exist", docs);
    if (type !== "commit" && ref.startsWith("refs/heads/")) throw unprocessable("Object is not a commit", docs);
  };

  router.add("GET", "/repos/:owner/:repo/git/ref/*ref", "installation", "git/get-ref", async (ctx) => {
    requireRepo(state, ctx);
    const ref = `refs/${ctx.params.ref}`;
    const sha = ctx.params.ref ? await git.readRef(ref) : undefined;
    if (!sha) throw notFound(DOCS.getRef);
    return { status: 200, body: await refJson(ref, sha) };
  });

  router.add("POST", "/repos/:owner/:repo/git/refs", "installation", "git/create-ref", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    const ref = requireString(body, "ref", DOCS.createRef);
    const sha = requireString(body, "sha", DOCS.createRef);
    if (!ref.startsWith("refs/") || ref.split("/").length < 3 || !(await git.isValidRefName(ref))) {
      throw unprocessable("Reference name is invalid", DOCS.createRef);
    }
    return state.mutex.run(async () => {
      await requireTarget(ref, sha, DOCS.createRef);
      if (!(await git.updateRef(ref, sha, ZERO_SHA))) {
        throw unprocessable("Reference already exists", DOCS.createRef);
      }
      const created = await refJson(ref, sha);
      return { status: 201, headers: { location: created.url }, body: created };
    });
  });

  router.add("PATCH", "/repos/:owner/:repo/git/refs/*ref", "installation", "git/update-ref", async (ctx) => {
    requireRepo(state, ctx);
    const ref = `refs/${ctx.params.ref}`;
    const body = bodyObject(ctx);
    const sha = requireString(body, "sha", DOCS.updateRef);
    if (body.force !== undefined && typeof body.force !== "boolean") {
      throw notA("force", body.force, "a boolean", DOCS.updateRef);
    }
    const force = body.force === true;
    if (ref.startsWith("refs/heads/") && state.protectedBranches.has(ref.slice("refs/heads/".length))) {
      throw unprocessable(`Protected branch update failed for ${ref}.`, DOCS.updateRef);
    }
    return state.mutex.run(async () => {
      await requireTarget(ref, sha, DOCS.updateRef);
      const current = ctx.params.ref ? await git.readRef(ref) : undefined;
      if (!current) throw unprocessable("Reference does not exist", DOCS.updateRef);
      if (!force && current !== sha && !(await git.isAncestor(current, sha))) {
        throw unprocessable("Update is not a fast forward", DOCS.updateRef);
      }
      if (!(await git.updateRef(ref, sha, current))) {
        // Someone moved the ref between our read and the compare-and-swap.
        throw unprocessable("Reference cannot be updated", DOCS.updateRef);
      }
      return { status: 200, body: await refJson(ref, sha) };
    });
  });
}
