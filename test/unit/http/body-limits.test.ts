import { describe, expect, it } from "vitest";
import { BODY_LIMIT, bodyLimitFor, choreFormLimit, WEBHOOK_BODY_LIMIT } from "../../../src/http/body-limits.js";

describe("bodyLimitFor", () => {
  const form = choreFormLimit(10 * 1024 * 1024);

  it("gives chore forms room for their uploads only where the chores pages are served", () => {
    expect(form).toBe(41 * 1024 * 1024);
    expect(bodyLimitFor("/chores/acme/widgets/unlock-account", form)).toBe(form);
    expect(bodyLimitFor("/chores/acme/widgets/unlock-account")).toBe(BODY_LIMIT);
  });

  it("keeps every other route small, whatever its query or a path that only looks like the chores'", () => {
    expect(bodyLimitFor("/api/runs/x/cancel", form)).toBe(BODY_LIMIT);
    expect(bodyLimitFor("/choresx/y", form)).toBe(BODY_LIMIT);
    expect(bodyLimitFor("/api/github/webhooks?chores/", form)).toBe(WEBHOOK_BODY_LIMIT);
    expect(bodyLimitFor("/logout", form)).toBe(BODY_LIMIT);
  });
});
