import { IncomingMessage } from "node:http";
import type { BodyBudget } from "./body-budget.js";

/** How holding a body ended: all of it arrived, it was over its cap, over the server's budget, or the client left. */
export type HeldBody = "complete" | "too-large" | "busy" | "aborted";

/**
 * chorebot's request class (node:http's `IncomingMessage` option). Its body is held back
 * until all of it has arrived within its cap, so no handler ever reads a byte past the cap:
 * Probot's webhook middleware would otherwise buffer whatever a client sends. Node's HTTP
 * parser hands a request its body through `push`, which is where bytes are counted; past
 * the cap, or past what the shared budget has left, the body is dropped and the parser told
 * to stop reading. Until `holdBody` sets a cap, no byte is accepted.
 *
 * Everything here happens before a handler runs: express, for one, swaps the request's
 * prototype, so these methods are gone once the request is handed on.
 */
export class CappedRequest extends IncomingMessage {
  #state: "holding" | "released" | "dropped" = "holding";
  #held: Buffer[] = [];
  #size = 0;
  #limit = 0;
  #budget: BodyBudget | null = null;
  #taken = 0;
  #settle!: (outcome: HeldBody) => void;
  readonly #outcome = new Promise<HeldBody>((resolve) => (this.#settle = resolve));

  /**
   * Holds the body to `limit` bytes, each also taken from `budget` until the body is handed
   * on or dropped. Called as the headers arrive, before the parser pushes any of the body.
   */
  holdBody(limit: number, budget: BodyBudget): Promise<HeldBody> {
    this.#limit = limit;
    this.#budget = budget;
    // While held, a request only closes when its client went away.
    this.once("close", () => {
      this.#giveBack();
      this.#settle("aborted");
    });
    return this.#outcome;
  }

  /** Hands the complete body to whoever reads the request next. */
  release(): void {
    this.#state = "released";
    for (const chunk of this.#held) super.push(chunk);
    this.#held = [];
    this.#giveBack();
    super.push(null);
  }

  override push(chunk: Buffer | null, encoding?: BufferEncoding): boolean {
    if (this.#state === "released") return super.push(chunk, encoding);
    if (this.#state === "dropped") return false;
    if (chunk === null) {
      this.#settle("complete");
      return true;
    }
    this.#size += chunk.length;
    if (this.#size > this.#limit) return this.#drop("too-large");
    if (!this.#budget?.take(chunk.length)) return this.#drop("busy");
    this.#taken += chunk.length;
    this.#held.push(chunk);
    return true;
  }

  /** Forgets the body; false tells the parser to stop reading the socket. */
  #drop(outcome: HeldBody): false {
    this.#state = "dropped";
    this.#held = [];
    this.#giveBack();
    this.#settle(outcome);
    return false;
  }

  #giveBack(): void {
    this.#budget?.give(this.#taken);
    this.#taken = 0;
  }
}
