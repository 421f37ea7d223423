// An example of a data repair: imports a repository helper, reads its settings from the
// allowlisted environment (SCRIPT_ENV), reports what it would change and exits non-zero
// when something is wrong, so the run log says `failed`.
import { plansToFix, type Plan } from "./_lib/plans.js";

const maxSeats = Number(process.env.MAX_SEATS ?? 500);
const plans: Plan[] = [
  { id: "plan_1", seats: 12 },
  { id: "plan_2", seats: 0 },
  { id: "plan_3", seats: 9000 },
];

const broken = plansToFix(plans, maxSeats);
for (const plan of broken) console.log(`would fix ${plan.id}: ${plan.seats} seats`);
console.log(`${broken.length} of ${plans.length} plans need fixing (dry run, nothing written)`);
