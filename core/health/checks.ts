/**
 * Readiness checks: each dependency the app needs is asked one cheap question, all at once, and each
 * answer is bounded in time, so a hung dependency makes the probe say so instead of hanging it.
 */

/** One dependency and how to ask it whether it is usable. */
export interface DependencyCheck {
  /** Stable name an operator reads in the 503 (e.g. "storage.tables", "arm.fleetResourceGroup"). */
  name: string;
  /** Resolves with a short detail when usable; throws (or rejects) with what is wrong. */
  run(signal: AbortSignal): Promise<string | undefined>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  durationMs: number;
  /** What the check found (ok) or what failed and how to fix it (not ok). */
  detail?: string;
}

export interface Readiness {
  ok: boolean;
  checks: CheckResult[];
}

/** The first line of an error's message, without anything that looks like a credential. */
export function describeFailure(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; statusCode?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const first = message.split("\n")[0].slice(0, 300);
  const code = typeof e?.code === "string" ? `${e.code}: ` : "";
  const status = typeof e?.statusCode === "number" ? ` (HTTP ${e.statusCode})` : "";
  return `${code}${first}${status}`
    .replace(/(AccountKey|SharedAccessSignature|sig|code|Bearer)([=\s])[^;&\s]+/gi, "$1$2***")
    .trim();
}

/**
 * Runs every check in parallel; a check that has not answered within `timeoutMs` is aborted and
 * reported as failed ("no answer within N ms"). Never throws.
 */
export async function runChecks(checks: DependencyCheck[], timeoutMs: number): Promise<Readiness> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  return { ok: results.every((r) => r.ok), checks: results };
}

async function runOne(check: DependencyCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const detail = await Promise.race([Promise.resolve().then(() => check.run(controller.signal)), timeout]);
    return { name: check.name, ok: true, durationMs: elapsed(), ...(detail ? { detail } : {}) };
  } catch (err) {
    return { name: check.name, ok: false, durationMs: elapsed(), detail: describeFailure(err) };
  } finally {
    clearTimeout(timer);
  }
}
