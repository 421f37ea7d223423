import { Probot, ProbotOctokit } from "probot";
import { pino } from "pino";
import { generateAppKey } from "./app-key.js";

/** Octokit without retries or throttling: nock answers instantly and failures surface. */
export const TestOctokit = ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options?.throttle, enabled: false },
}));

export function testProbot(): Probot {
  return new Probot({
    appId: 123,
    privateKey: generateAppKey(),
    secret: "test-secret",
    Octokit: TestOctokit,
    log: pino({ level: "silent" }),
  });
}
