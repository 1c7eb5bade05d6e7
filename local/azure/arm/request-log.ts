/**
 * A bounded log of the requests the emulator answered: what tests and benchmarks assert on
 * ("exactly one VM PUT", "the 429 was retried"). Bodies and headers are never kept: request
 * bodies can carry custom data and headers carry the bearer token.
 */
export interface RequestLogEntry {
  seq: number;
  /** Clock time (ms since epoch) the request arrived. */
  time: number;
  method: string;
  path: string;
  query: string;
  operationId: string;
  status: number;
  /** ARM error code when the answer was an error. */
  errorCode?: string;
  /** Id of the fault rule effect type that shaped the answer, if any. */
  fault?: string;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly max = 10_000) {}

  record(entry: Omit<RequestLogEntry, "seq">): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  /** Entries in arrival order, optionally only one ARM operation id. */
  list(operationId?: string): RequestLogEntry[] {
    const all = [...this.entries];
    return operationId ? all.filter((e) => e.operationId.toLowerCase() === operationId.toLowerCase()) : all;
  }

  clear(): void {
    this.entries = [];
  }
}
