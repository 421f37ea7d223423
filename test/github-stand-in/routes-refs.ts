import { ApiError, invalidRequest, notFound, unprocessable } from "./api-error.js";
import type { Router } from "./router.js";
import { bodyObject, DOCS, requireRepo, requireString } from "./route-helpers.js";
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

  router.add("GET", "/repos/:owner/:repo/git/ref/*ref", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const ref = `refs/${ctx.params.ref}`;
    const sha = ctx.params.ref ? await git.readRef(ref) : undefined;
    if (!sha) throw notFound(DOCS.getRef);
    return { status: 200, body: await refJson(ref, sha) };
  });

  router.add("GET", "/repos/:owner/:repo/git/matching-refs/*ref", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const refs = await git.listRefs(`refs/${ctx.params.ref}`);
    return { status: 200, body: refs.map((entry) => gitRef(state, entry.ref, entry.sha, entry.type)) };
  });

  // The legacy form: an exact match returns the ref, otherwise the array of refs starting with it.
  router.add("GET", "/repos/:owner/:repo/git/refs/*ref", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const prefix = ctx.params.ref ? `refs/${ctx.params.ref}` : "refs/";
    const refs = await git.listRefs(prefix);
    const exact = refs.find((entry) => entry.ref === prefix);
    if (exact) return { status: 200, body: gitRef(state, exact.ref, exact.sha, exact.type) };
    if (refs.length === 0) throw notFound(DOCS.getRef);
    return { status: 200, body: refs.map((entry) => gitRef(state, entry.ref, entry.sha, entry.type)) };
  });

  router.add("POST", "/repos/:owner/:repo/git/refs", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    const ref = requireString(body, "ref", DOCS.createRef);
    const sha = requireString(body, "sha", DOCS.createRef);
    if (!ref.startsWith("refs/") || ref.split("/").length < 3 || !(await git.isValidRefName(ref))) {
      throw unprocessable("Reference name is invalid", DOCS.createRef);
    }
    return state.mutex.run(async () => {
      const type = await git.objectType(sha);
      if (!type) throw unprocessable("Object does not exist", DOCS.createRef);
      if (type !== "commit" && ref.startsWith("refs/heads/")) {
        throw unprocessable("Object is not a commit", DOCS.createRef);
      }
      if (!(await git.updateRef(ref, sha, "0".repeat(40)))) {
        throw unprocessable("Reference already exists", DOCS.createRef);
      }
      const body = await refJson(ref, sha);
      return { status: 201, headers: { location: body.url }, body };
    });
  });

  router.add("PATCH", "/repos/:owner/:repo/git/refs/*ref", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const ref = `refs/${ctx.params.ref}`;
    const body = bodyObject(ctx);
    const sha = requireString(body, "sha", DOCS.updateRef);
    if (body.force !== undefined && typeof body.force !== "boolean") {
      throw invalidRequest(`For 'properties/force', ${JSON.stringify(body.force)} is not a boolean.`, DOCS.updateRef);
    }
    const force = body.force === true;
    return state.mutex.run(async () => {
      const type = await git.objectType(sha);
      if (!type) throw unprocessable("Object does not exist", DOCS.updateRef);
      if (type !== "commit" && ref.startsWith("refs/heads/")) {
        throw unprocessable("Object is not a commit", DOCS.updateRef);
      }
      const current = ctx.params.ref ? await git.readRef(ref) : undefined;
      if (!current) throw unprocessable("Reference does not exist", DOCS.updateRef);
      if (!force && current !== sha && !(await git.isAncestor(current, sha))) {
        throw unprocessable("Update is not a fast forward", DOCS.updateRef);
      }
      if (!(await git.updateRef(ref, sha, current))) {
        // Someone moved the ref between our read and the compare-and-swap.
        throw new ApiError(422, "Reference cannot be updated", DOCS.updateRef);
      }
      return { status: 200, body: await refJson(ref, sha) };
    });
  });

  router.add("DELETE", "/repos/:owner/:repo/git/refs/*ref", "installation", async (ctx) => {
    requireRepo(state, ctx);
    const ref = `refs/${ctx.params.ref}`;
    return state.mutex.run(async () => {
      const current = ctx.params.ref ? await git.readRef(ref) : undefined;
      if (!current) throw unprocessable("Reference does not exist", DOCS.deleteRef);
      if (!(await git.deleteRef(ref, current))) throw unprocessable("Reference cannot be updated", DOCS.deleteRef);
      return { status: 204 };
    });
  });
}
