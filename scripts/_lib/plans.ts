// Helpers live in folders (or files) starting with `_`: imported by scripts, never run alone.
export interface Plan {
  id: string;
  seats: number;
}

/** Plans whose seat count is out of the allowed range. */
export function plansToFix(plans: readonly Plan[], maxSeats: number): Plan[] {
  return plans.filter((plan) => plan.seats < 1 || plan.seats > maxSeats);
}
