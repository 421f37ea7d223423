import examples from "@octokit/webhooks-examples";

/** A deep copy of a real payload from @octokit/webhooks-examples, picked by predicate. */
export function examplePayload<T = Record<string, any>>(event: string, pick: (payload: any) => boolean = () => true): T {
  const entry = (examples as unknown as { name: string; examples: unknown[] }[]).find((e) => e.name === event);
  const payload = entry?.examples.find(pick);
  if (!payload) throw new Error(`no ${event} example matches`);
  return structuredClone(payload) as T;
}

/** A real push to the default branch, turned into a normal fast-forward of `main`. */
export function defaultBranchPush(overrides: { before: string; after: string; ref?: string }) {
  const payload = examplePayload("push", (p) => p.ref === "refs/heads/master" && p.installation);
  payload.repository.default_branch = "main";
  payload.repository.master_branch = "main";
  payload.ref = overrides.ref ?? "refs/heads/main";
  payload.before = overrides.before;
  payload.after = overrides.after;
  payload.created = false;
  payload.deleted = false;
  payload.forced = false;
  return payload;
}
