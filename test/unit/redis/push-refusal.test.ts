import { describe, expect, it, vi } from "vitest";
import { handlePush, type MergedPush } from "../../../src/github/handle-push.js";
import { RedisUnavailableError } from "../../../src/redis/redis-unavailable-error.js";

/** A push to the default branch, as handlePush reads it. */
function pushContext() {
  const log = { info: vi.fn(), warn: vi.fn(), debug: vi.fn(), error: vi.fn() };
  return {
    log,
    payload: {
      ref: "refs/heads/main",
      before: "a".repeat(40),
      after: "b".repeat(40),
      forced: false,
      deleted: false,
      created: false,
      commits: [],
      head_commit: { id: "b".repeat(40) },
      repository: { name: "ops", owner: { login: "acme" }, default_branch: "main" },
      installation: { id: 7 },
    },
  } as any;
}

describe("handlePush when Redis refuses the job", () => {
  it.each([
    ["oom", new Error("OOM command not allowed when used memory > 'maxmemory'.")],
    ["readonly", new Error("READONLY You can't write against a read only replica.")],
    ["down", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" })],
  ] as const)("%s: throws a 503 RedisUnavailableError with a short message, and tells the monitor", async (kind, redisError) => {
    const told: RedisUnavailableError[] = [];
    const queuePush = vi.fn(async (_push: MergedPush): Promise<string> => {
      throw redisError;
    });
    const error = await handlePush(queuePush, (e) => told.push(e))(pushContext()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(queuePush).toHaveBeenCalledOnce();
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ status: 503, kind, message: expect.stringMatching(/^chorebot cannot queue this delivery: .*redeliver it/) });
    expect((error as Error).stack).not.toMatch(/\n\s+at /);
    expect(told).toEqual([error]);
  });

  it("other errors go on as they were", async () => {
    const bug = new Error("Missing key for job");
    const error = await handlePush(async () => {
      throw bug;
    })(pushContext()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBe(bug);
  });
});
