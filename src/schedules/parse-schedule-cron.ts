import { CronExpressionParser, type CronExpression } from "cron-parser";

/**
 * A schedule's cron expression as BullMQ's job scheduler reads it (`defaultRepeatStrategy` in
 * bullmq/dist/esm/classes/job-scheduler.js): the same cron-parser, the same options (the time
 * zone and the time to count from), so what chorebot computes from it is what will run.
 * Throws the parser's error for an expression it refuses.
 */
export function parseScheduleCron(cron: string, timezone: string, fromMs: number): CronExpression {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(fromMs) });
}
