import { UnrecoverableError } from "bullmq";

/** An execute attempt that fails its job on purpose (so a person can retry it) after recording its own log. */
export class AlreadyRecorded extends UnrecoverableError {
  override name = "AlreadyRecorded";
}
