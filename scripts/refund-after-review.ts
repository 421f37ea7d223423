// A workflow that waits: refund an order only once finance said so. The wait survives restarts:
// the run is `waiting` until someone sends the signal (POST /api/runs/<run>/signals/finance-ok with
// a JSON payload such as {"approvedCents": 1500}, or `/chorebot continue <run>`), then step
// "await finance" runs again from its start and `waitFor` returns the payload. After 2 days
// without it, the workflow rolls back. The wait comes first in its step: code before it would run again.
import { defineWorkflow, int, step, string } from "chorebot";

interface State {
  order: string;
  cents: number;
  hold: string | null;
  approvedCents: number | null;
  refundId: string | null;
}

// Stands for the payments API a real script would call.
const payments = {
  hold: async (order: string) => `hold_${order}`,
  release: async (_hold: string) => {},
  refund: async (order: string, cents: number) => `re_${order}_${cents}`,
};

export default defineWorkflow({
  description: "Refund an order once finance approves the amount",
  inputs: {
    order: string({ pattern: /^ord_\w+$/, description: "the order id, like ord_7" }),
    cents: int({ min: 1, max: 100_000, description: "the amount asked for, in cents" }),
  },
  state: (inputs): State => ({ order: inputs.order, cents: inputs.cents, hold: null, approvedCents: null, refundId: null }),
  steps: [
    step<State>({
      name: "hold order",
      async run(state) {
        state.hold = await payments.hold(state.order);
      },
      async rollback(state) {
        if (state.hold !== null) await payments.release(state.hold);
        state.hold = null;
      },
    }),
    step<State>({
      name: "await finance",
      async run(state, { waitFor, log }) {
        const answer = await waitFor<{ approvedCents?: unknown }>("finance-ok", { timeout: "2d" });
        const approved = typeof answer?.approvedCents === "number" ? answer.approvedCents : state.cents;
        if (!Number.isInteger(approved) || approved < 1 || approved > state.cents)
          throw new Error(`finance approved ${String(approved)} cents, not 1 to ${state.cents}`);
        state.approvedCents = approved;
        log(`finance approved ${approved} of ${state.cents} cents`);
      },
    }),
    step<State>({
      name: "refund",
      async run(state) {
        state.refundId = await payments.refund(state.order, state.approvedCents!);
      },
    }),
  ],
});
