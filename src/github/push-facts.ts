import { z } from "zod";

// Only the fields chorebot relies on; a payload without them is not a push it can act on.
const pushSchema = z.object({
  ref: z.string(),
  before: z.string().regex(/^[0-9a-f]{40}$/),
  after: z.string().regex(/^[0-9a-f]{40}$/),
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
    default_branch: z.string().min(1).optional(),
  }),
  installation: z.object({ id: z.number().int().positive() }).optional(),
});

export type PushFacts = z.infer<typeof pushSchema>;

/** The push payload's facts, or a one-line reason why it is not a usable push. */
export function readPushFacts(payload: unknown): { ok: true; push: PushFacts } | { ok: false; reason: string } {
  const result = pushSchema.safeParse(payload);
  if (result.success) return { ok: true, push: result.data };
  const issue = result.error.issues[0]!;
  return { ok: false, reason: `malformed push payload: ${issue.path.join(".") || "body"}: ${issue.message}` };
}
