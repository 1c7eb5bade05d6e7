/**
 * Timer triggers, after the WebJobs TimerListener: at startup a run that the schedule monitor says
 * was missed fires once with isPastDue=true (or, failing that, runOnStartup fires one run); then the
 * function fires at each occurrence of its schedule, never overlapping itself, retried under the
 * function's retry policy. After every run the monitor records { last, next, lastUpdated }.
 */
import { runFunction, type InvocationEnv } from "../bindings";
import type { Logger } from "../log";
import type { RegisteredFunction } from "../registry";
import { runWithRetryPolicy } from "../retry";
import { getSetting, isFunctionDisabled, resolvePercentVars } from "../settings";
import { MONITOR_TABLE, ScheduleMonitor, type ScheduleStatus } from "./monitor";
import { createSchedule, type TimerSchedule } from "./schedule";

export interface TimerOptions {
  /** Clock used for schedule decisions (default: the system clock). */
  now?: () => Date;
}

export interface Timers {
  stop(): Promise<void>;
}

/** setTimeout's limit; longer waits re-arm. */
const MAX_DELAY_MS = 2_147_000_000;

/** Starts one timer per timer-triggered function. */
export async function startTimers(env: InvocationEnv, opts: TimerOptions = {}): Promise<Timers> {
  const now = opts.now ?? (() => new Date());
  const zone = getSetting(env.settings, "WEBSITE_TIME_ZONE");
  const hostId = getSetting(env.settings, "AzureFunctionsWebHost__hostid") ?? "devhost";
  const monitor = new ScheduleMonitor(env.storage.table(MONITOR_TABLE), hostId.toLowerCase());
  const timers: FunctionTimer[] = [];
  for (const fn of env.registry.functions.values()) {
    if (fn.trigger.type.toLowerCase() !== "timertrigger") continue;
    if (isFunctionDisabled(env.settings, fn.name)) {
      env.log.info(`timer ${fn.name} is disabled (AzureWebJobs.${fn.name}.Disabled)`);
      continue;
    }
    const expression = resolvePercentVars(String(fn.trigger.options.schedule ?? ""), env.settings);
    const schedule = createSchedule(expression, zone);
    const timer = new FunctionTimer(fn, schedule, env, monitor, now, env.log.child(`timer:${fn.name}`));
    timers.push(timer);
  }
  await Promise.all(timers.map((t) => t.start()));
  return { stop: async () => void (await Promise.all(timers.map((t) => t.stop()))) };
}

class FunctionTimer {
  #handle: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #abort = new AbortController();
  #status: ScheduleStatus | undefined;
  readonly #useMonitor: boolean;

  constructor(
    readonly fn: RegisteredFunction,
    readonly schedule: TimerSchedule,
    readonly env: InvocationEnv,
    readonly monitor: ScheduleMonitor,
    readonly now: () => Date,
    readonly log: Logger,
  ) {
    const option = fn.trigger.options.useMonitor;
    // As the host: monitor by default, except for schedules that fire more than once a minute.
    this.#useMonitor = typeof option === "boolean" ? option : intervalMs(schedule, now()) >= 60_000;
  }

  async start(): Promise<void> {
    const pastDue = this.#useMonitor ? await this.#checkPastDue() : false;
    if (pastDue) {
      this.log.info(`schedule ${this.schedule.describe}: a run was missed, firing now (isPastDue)`);
      this.#fire(this.now(), true);
    } else if (this.fn.trigger.options.runOnStartup === true) {
      this.#fire(this.now(), false);
    } else {
      this.#arm();
    }
    this.log.info(
      `schedule ${this.schedule.describe}, next run ${this.schedule.next(this.now())?.toISOString() ?? "never"}`,
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#handle) clearTimeout(this.#handle);
    await this.#running;
  }

  /** The monitor's past-due check (ScheduleMonitor.CheckPastDueAsync); records a first status. */
  async #checkPastDue(): Promise<boolean> {
    const now = this.now();
    const status = await this.monitor.get(this.fn.name);
    if (!status) {
      this.#status = { next: this.schedule.next(now) ?? now, lastUpdated: now };
      await this.monitor.set(this.fn.name, this.#status);
      return false;
    }
    const base = status.last ?? status.lastUpdated;
    const expected = this.schedule.next(base);
    if (expected && expected.getTime() !== status.next.getTime()) {
      // The schedule changed since the status was written: judge by the new schedule.
      status.next = expected;
      status.lastUpdated = now;
      await this.monitor.set(this.fn.name, status);
    }
    this.#status = status;
    return now.getTime() > status.next.getTime();
  }

  #arm(): void {
    if (this.#stopped) return;
    const next = this.schedule.next(this.now());
    if (!next) {
      this.log.warn(`schedule ${this.schedule.describe} has no future occurrence`);
      return;
    }
    const wait = (): void => {
      if (this.#stopped) return;
      const left = next.getTime() - this.now().getTime();
      if (left > 0) {
        this.#handle = setTimeout(wait, Math.min(left, MAX_DELAY_MS));
        return;
      }
      this.#fire(next, false);
    };
    wait();
  }

  #fire(occurrence: Date, isPastDue: boolean): void {
    this.#running = this.#invoke(occurrence, isPastDue).finally(() => this.#arm());
  }

  async #invoke(occurrence: Date, isPastDue: boolean): Promise<void> {
    const status = this.#useMonitor ? this.#status : undefined;
    const timerInfo = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: status
        ? {
            Last: (status.last ?? new Date(0)).toISOString(),
            Next: status.next.toISOString(),
            LastUpdated: status.lastUpdated.toISOString(),
          }
        : null,
      IsPastDue: isPastDue,
    };
    try {
      await runWithRetryPolicy(
        this.fn,
        (retryContext) =>
          runFunction(this.fn, { data: { json: JSON.stringify(timerInfo) }, retryContext }, this.env),
        this.#abort.signal,
      );
    } catch (err) {
      this.log.error(`${this.fn.name} failed`, err);
    }
    if (!this.#useMonitor) return;
    const now = this.now();
    this.#status = { last: occurrence, next: this.schedule.next(now) ?? now, lastUpdated: now };
    try {
      await this.monitor.set(this.fn.name, this.#status);
    } catch (err) {
      this.log.error("saving the schedule status failed", err);
    }
  }
}

/** Gap between the next two occurrences (for the useMonitor default). */
function intervalMs(schedule: TimerSchedule, from: Date): number {
  const a = schedule.next(from);
  const b = a && schedule.next(a);
  return a && b ? b.getTime() - a.getTime() : Number.POSITIVE_INFINITY;
}
