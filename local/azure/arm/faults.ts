/**
 * Fault injection: rules matched against incoming requests by ARM operation id, method and path.
 * A rule can answer with an error (any status/code, optionally Retry-After), accept the request
 * but make its async operation fail or never finish, delay the answer, or drop the connection.
 */
export type FaultEffect =
  | { type: "error"; status: number; code: string; message?: string; retryAfterSeconds?: number }
  | { type: "failOperation"; code: string; message?: string }
  | { type: "neverComplete" }
  | { type: "delay"; ms: number }
  | { type: "reset" };

export interface FaultRule {
  /** Assigned when the rule is added if not given. */
  id?: string;
  /** ARM operation id, e.g. "VirtualMachines_CreateOrUpdate" (case-insensitive). */
  operationId?: string;
  method?: string;
  /** Case-insensitive substring of the request path, e.g. "/virtualMachines/claw-alice". */
  pathIncludes?: string;
  /** Let this many matching requests through before the rule starts firing. */
  skip?: number;
  /** How many times the rule fires; 0 means every time. Default 1. */
  times?: number;
  effect: FaultEffect;
}

interface LiveRule extends FaultRule {
  id: string;
  seen: number;
  fired: number;
}

export class Faults {
  private rules: LiveRule[] = [];
  private seq = 0;

  /** Adds a rule; returns its id. */
  add(rule: FaultRule): string {
    const id = rule.id ?? `fault-${++this.seq}`;
    this.rules.push({ ...rule, id, seen: 0, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): (FaultRule & { fired: number })[] {
    return this.rules.map(({ seen: _seen, ...r }) => r);
  }

  /** The effect of the first live rule matching this request (and counts the match), if any. */
  match(operationId: string, method: string, path: string): FaultEffect | undefined {
    for (const r of this.rules) {
      if (r.operationId && r.operationId.toLowerCase() !== operationId.toLowerCase()) continue;
      if (r.method && r.method.toUpperCase() !== method) continue;
      if (r.pathIncludes && !path.toLowerCase().includes(r.pathIncludes.toLowerCase())) continue;
      r.seen++;
      if (r.seen <= (r.skip ?? 0)) continue;
      const times = r.times ?? 1;
      if (times !== 0 && r.fired >= times) continue;
      r.fired++;
      return r.effect;
    }
    return undefined;
  }
}
