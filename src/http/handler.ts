import type { ApplicationFunctionOptions } from "probot";

/** A route of chorebot's web server (Probot's handler shape): answers a request and returns true, or leaves it. */
export type Handler = Parameters<ApplicationFunctionOptions["addHandler"]>[0];
