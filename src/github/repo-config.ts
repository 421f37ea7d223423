import { z } from "zod";
import { isGitHubHttpError } from "./http-error.js";
import type { GitHubClient } from "./octokit.js";
import { atLeast, type Permission } from "./permission.js";

export const REPO_CONFIG_PATH = ".github/chorebot.yml";

/** How a repository wants its scripts run: `.github/chorebot.yml`, within the server's limits. */
export interface RepoConfig {
  scriptsDir: string;
  /** Where the repository's chores live: they stay there and run on demand, never on merge. */
  choresDir: string;
  logsDir: string;
  requiredApprovals: number;
  timeoutMs: number;
  policy: { scriptsOnly: "off" | "warn" | "fail" };
  cleanup: "commit" | "pull_request";
  order: "path" | "parallel";
  stopOnFailure: boolean;
  /** The role a person needs to run this repository's chores (never below the server's floor). */
  chores: { permission: Permission };
}

/**
 * The server's bounds: a repository may ask for more approvals, a shorter timeout or a higher
 * role to run chores, never the reverse.
 */
export interface ServerLimits {
  minApprovals: number;
  maxTimeoutMs: number;
  /** The lowest role that may run a chore (CHORES_PERMISSION). */
  minChorePermission: Permission;
}

/** The roles a repository may require to run its chores (`none` would let anyone run them). */
const CHORE_PERMISSIONS = ["read", "triage", "write", "maintain", "admin"] as const satisfies readonly Permission[];

const folder = z
  .string()
  .trim()
  .min(1)
  .transform((path) => path.replace(/^\.?\/+|\/+$/g, ""))
  .refine((path) => path !== "" && !path.split("/").some((part) => part === ".." || part === "."), "must be a folder inside the repository");

/** Whether `inner` is `outer` or a folder inside it. */
function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}

function schema(limits: ServerLimits, choresDirGiven: boolean) {
  // The server's floor never lets anyone run chores without at least seeing the repository.
  const floor = limits.minChorePermission === "none" ? "read" : limits.minChorePermission;
  return z
    .object({
      scriptsDir: folder.default("scripts"),
      choresDir: folder.default("chores"),
      logsDir: folder.default("logs"),
      requiredApprovals: z
        .number()
        .int()
        .min(limits.minApprovals, `cannot be lower than the server's minimum of ${limits.minApprovals}`)
        .default(limits.minApprovals),
      timeout: z
        .number()
        .positive()
        .max(limits.maxTimeoutMs / 1000, `cannot exceed the server's maximum of ${limits.maxTimeoutMs / 1000} seconds`)
        .optional(),
      policy: z.strictObject({ scriptsOnly: z.enum(["off", "warn", "fail"]).default("fail") }).default({ scriptsOnly: "fail" }),
      cleanup: z.enum(["commit", "pull_request"]).default("commit"),
      order: z.enum(["path", "parallel"]).default("path"),
      stopOnFailure: z.boolean().default(false),
      chores: z
        .strictObject({
          permission: z
            .enum(CHORE_PERMISSIONS)
            .refine((permission) => atLeast(permission, floor), `cannot be lower than the server's minimum of ${floor}`)
            .default(floor),
        })
        .default({ permission: floor }),
    })
    .strict()
    .refine((config) => config.scriptsDir !== config.logsDir, { message: "must differ from scriptsDir", path: ["logsDir"] })
    .superRefine((config, context) => {
      for (const other of ["scriptsDir", "logsDir"] as const) {
        if (!within(config.choresDir, config[other]) && !within(config[other], config.choresDir)) continue;
        // A repository that never named a chores folder learns why its settings stopped working.
        const fix = choresDirGiven ? "" : ` (the default, ${config.choresDir}: set choresDir to another folder)`;
        context.addIssue({ code: "custom", message: `must differ from ${other}, not be inside it nor contain it${fix}`, path: ["choresDir"] });
        return;
      }
    });
}

export function defaultRepoConfig(limits: ServerLimits): RepoConfig {
  return parseRepoConfig({}, limits) as RepoConfig;
}

/** Validates a parsed config file; returns the config or one line naming the bad key. */
export function parseRepoConfig(raw: unknown, limits: ServerLimits): RepoConfig | string {
  const choresDirGiven = typeof raw === "object" && raw !== null && "choresDir" in raw;
  const result = schema(limits, choresDirGiven).safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.join(".") || "(file)";
    return `${REPO_CONFIG_PATH}: ${key}: ${issue.message}`;
  }
  const { timeout, ...rest } = result.data;
  return { ...rest, timeoutMs: timeout === undefined ? limits.maxTimeoutMs : timeout * 1000 };
}

/**
 * Reads `.github/chorebot.yml` at `ref` (a merge commit or a PR head) with Probot's config
 * loader (which also follows `_extends` and the organisation's `.github` repository).
 */
export async function loadRepoConfig(
  octokit: GitHubClient,
  at: { owner: string; repo: string; ref: string },
  limits: ServerLimits,
): Promise<{ ok: true; config: RepoConfig } | { ok: false; error: string; config: RepoConfig }> {
  let raw: unknown;
  try {
    ({ config: raw } = await octokit.config.get({ owner: at.owner, repo: at.repo, path: REPO_CONFIG_PATH, branch: at.ref }));
  } catch (error) {
    // A YAML syntax error is the repository's to fix; a GitHub error is retried by the caller.
    if (isGitHubHttpError(error)) throw error;
    return { ok: false, error: `${REPO_CONFIG_PATH}: ${(error as Error).message}`, config: defaultRepoConfig(limits) };
  }
  const parsed = parseRepoConfig(raw, limits);
  return typeof parsed === "string" ? { ok: false, error: parsed, config: defaultRepoConfig(limits) } : { ok: true, config: parsed };
}
