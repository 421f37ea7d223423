// Type tests for the script SDK: compiled by `tsc -p tsconfig.json --noEmit`, never run.
import { bool, counter, defineScript, fail, file, float, int, log, progress, string } from "../../src/sdk/index.js";

const isIsoDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value);
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T | undefined => undefined;

export const welcome = defineScript({
  description: "Re-send welcome emails",
  inputs: {
    since: string({ required: true, validate: isIsoDate }),
    name: string({ validate: (v) => v.trim() }),
    limit: int({ default: 100, min: 1 }),
    ratio: float({ optional: true, max: 1 }),
    dryRun: bool({ default: true }),
    ids: file({ optional: true }),
    token: string({ secret: true, required: false }),
    env: string({ choices: ["staging", "production"] }),
    plain: string(),
    count: int({ required: false }),
    mode: string({ choices: ["a", "b"] as const, default: "a" }),
  },
  concurrency: "global",
  timeout: "20m",
  async run({ inputs, log, counter, progress, fail, signal }) {
    expectType<Equal<typeof inputs.since, string>>();
    expectType<Equal<typeof inputs.name, string>>();
    expectType<Equal<typeof inputs.limit, number>>();
    expectType<Equal<typeof inputs.ratio, number | undefined>>();
    expectType<Equal<typeof inputs.dryRun, boolean>>();
    expectType<Equal<typeof inputs.ids, string | undefined>>();
    expectType<Equal<typeof inputs.token, string | undefined>>();
    expectType<Equal<typeof inputs.env, "staging" | "production">>();
    expectType<Equal<typeof inputs.plain, string>>();
    expectType<Equal<typeof inputs.count, number | undefined>>();
    expectType<Equal<typeof inputs.mode, "a" | "b">>();
    log("sending", inputs.limit);
    counter.set("sent", 0);
    counter.inc("sent");
    counter.inc("sent", 2);
    progress(0.5);
    progress({ done: 1, total: 2 });
    if (signal.aborted) fail("stopped");
    // @ts-expect-error limit is a number
    inputs.limit.toUpperCase();
    // @ts-expect-error not declared
    void inputs.nope;
    // @ts-expect-error may be undefined
    void inputs.ratio.toFixed(1);
    // @ts-expect-error not one of the choices
    expectType<Equal<typeof inputs.env, string>>();
    // @ts-expect-error a number
    counter.set("sent", "1");
    // @ts-expect-error fail needs a reason
    fail();
    return { sent: 42 };
  },
});

export const noInputs = defineScript({
  run({ inputs }) {
    // @ts-expect-error no inputs declared
    void inputs.anything;
    return undefined;
  },
});

defineScript({
  // @ts-expect-error not a concurrency mode
  concurrency: "parallel",
  run() {},
});

// @ts-expect-error validate gets the coerced number
int({ validate: (v: string) => v.length > 0 });
// @ts-expect-error a default of the wrong type
bool({ default: "yes" });
// @ts-expect-error pattern is a RegExp
string({ pattern: "^a" });
// @ts-expect-error min is for numbers
string({ min: 1 });

// The standalone functions, for helper modules, workers and child processes.
log("x", { a: 1 });
counter.inc("n");
progress({ done: 3 });
export function neverReturns(): number {
  fail("bad"); // typed never: no return needed after it
}
