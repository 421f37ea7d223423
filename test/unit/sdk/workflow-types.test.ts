import { describe, expect, expectTypeOf, test } from "vitest";
import { defineWorkflow, int, step, type StepDefinition } from "../../../src/sdk/index.js";

// TypeScript cannot carry the state's type from `state` into a generic call nested in `steps`
// (step() is typechecked before defineWorkflow's S is known), so the idiom is either steps
// written inline, which infer everything, or step<State>() with a named state type.
describe("defineWorkflow types", () => {
  test("inline steps infer the state and the inputs", () => {
    const workflow = defineWorkflow({
      inputs: { seats: int({ default: 3 }) },
      state: { reserved: 0, charged: false as boolean, ids: [] as string[] },
      steps: [
        {
          name: "reserve",
          run(state, ctx) {
            expectTypeOf(state.reserved).toEqualTypeOf<number>();
            expectTypeOf(ctx.inputs.seats).toEqualTypeOf<number>();
            expectTypeOf(ctx.step).toEqualTypeOf<string>();
            expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
            state.reserved = ctx.inputs.seats;
          },
          rollback(state) {
            state.reserved = 0;
          },
        },
        { name: "charge", run: (state) => ({ ...state, charged: true }) },
      ],
      observers: [
        {
          afterStep(event) {
            expectTypeOf(event.state.ids).toEqualTypeOf<string[]>();
          },
        },
      ],
    });
    expect(workflow).toHaveProperty("run");
  });

  test("step<State>() types a step written apart", () => {
    interface State {
      reserved: number;
    }
    const reserve = step<State>({
      name: "reserve",
      run(state) {
        expectTypeOf(state.reserved).toEqualTypeOf<number>();
        state.reserved += 1;
      },
    });
    expectTypeOf(reserve).toEqualTypeOf<StepDefinition<State>>();
    const workflow = defineWorkflow({
      state: { reserved: 0 },
      steps: [reserve, step<State>({ name: "again", run: (state) => ({ reserved: state.reserved + 1 }) })],
    });
    expect(workflow).toHaveProperty("run");
  });

  test("a step of another state is refused", () => {
    // @ts-expect-error -- `reserved` is a number in the state, not a string
    defineWorkflow({ state: { reserved: 0 }, steps: [step<{ reserved: string }>({ name: "x", run() {} })] });
  });
});
