// A workflow: move a customer to a new plan in three steps, each undone when a later one fails.
// Try it: npx chorebot run scripts/move-plan.ts --input customer=cus_42 --input plan=team --input seats=5
// and see the walk back:      … --input declineCard=true   (charge fails: rolled back charge, reserve)
import { bool, defineWorkflow, int, step, string } from "chorebot";

interface State {
  customer: string;
  plan: string;
  seats: number;
  reservation: string | null;
  chargeId: string | null;
  previousPlan: string | null;
}

// Stands for the billing API a real script would call (with a key from SCRIPT_ENV).
const billing = {
  reserveSeats: async (customer: string, seats: number) => `res_${customer}_${seats}`,
  releaseSeats: async (_reservation: string) => {},
  charge: async (customer: string, cents: number, decline: boolean) => {
    if (decline) throw new Error(`card declined for ${customer} (${cents} cents)`);
    return `ch_${customer}_${cents}`;
  },
  refund: async (_chargeId: string) => {},
  currentPlan: async (_customer: string) => "starter",
  setPlan: async (_customer: string, _plan: string) => {},
};

const PRICE_CENTS: Record<string, number> = { starter: 0, team: 1200, business: 4500 };

export default defineWorkflow({
  description: "Move a customer to a new plan: reserve the seats, charge the difference, switch the plan",
  inputs: {
    customer: string({ pattern: /^cus_\w+$/, description: "the customer id, like cus_42" }),
    plan: string({ choices: ["team", "business"], description: "the plan to move to" }),
    seats: int({ default: 1, min: 1, max: 500 }),
    declineCard: bool({ default: false, description: "simulate a declined card, to see the rollback" }),
  },
  state: (inputs): State => ({ customer: inputs.customer, plan: inputs.plan, seats: inputs.seats, reservation: null, chargeId: null, previousPlan: null }),
  stepTimeout: "1m",
  concurrency: "self",
  steps: [
    step<State>({
      name: "reserve seats",
      async run(state, { log }) {
        state.reservation = await billing.reserveSeats(state.customer, state.seats);
        log(`reserved ${state.seats} seats: ${state.reservation}`);
      },
      async rollback(state) {
        if (state.reservation !== null) await billing.releaseSeats(state.reservation);
        state.reservation = null;
      },
    }),
    step<State, { declineCard: boolean }>({
      name: "charge",
      timeout: "30s",
      async run(state, { inputs, counter }) {
        state.chargeId = await billing.charge(state.customer, (PRICE_CENTS[state.plan] ?? 0) * state.seats, inputs.declineCard);
        counter.inc("charged");
      },
      async rollback(state, { counter }) {
        if (state.chargeId !== null) await billing.refund(state.chargeId);
        state.chargeId = null;
        counter.inc("refunded");
      },
    }),
    step<State>({
      name: "switch plan",
      async run(state) {
        state.previousPlan = await billing.currentPlan(state.customer);
        await billing.setPlan(state.customer, state.plan);
      },
      async rollback(state) {
        if (state.previousPlan !== null) await billing.setPlan(state.customer, state.previousPlan);
      },
    }),
  ],
  observers: [
    {
      // Stands for an audit trail: every run and rollback, with how it ended.
      afterStep(event) {
        console.log(`audit: ${event.direction} ${event.step} ${event.outcome}`);
      },
    },
  ],
});
