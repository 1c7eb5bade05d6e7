/**
 * The emulator's state: every ARM resource and every async operation, keyed by lower-cased id.
 * With `--persist`, saved as one JSON file in the state directory (write temp + rename), so an
 * emulator started again with the same directory carries on where it stopped. Changes are
 * coalesced: a save is written at most every `saveDelayMs` (and at close, and when the process
 * exits), not once per change — rewriting a 300-claw fleet's state on every change took most of
 * the emulator's CPU. Without `--persist` nothing is written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { key } from "./arm/ids";

/** An ARM resource as the emulator keeps it: the JSON ARM returns, plus internals ARM never shows. */
export interface StoredResource<M = Record<string, unknown>> {
  id: string;
  /** ARM type, e.g. "Microsoft.Compute/virtualMachines". */
  type: string;
  body: ArmResourceBody;
  meta: M;
}

export interface ArmResourceBody {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface OperationRecord {
  /** The operation name (a GUID) that appears in its status URL. */
  name: string;
  provider: string;
  location: string;
  subscriptionId: string;
  /** Random token in the status URL's `p` query parameter, as Compute sends. */
  token: string;
  /** api-version of the request that started it, echoed in the status URLs. */
  apiVersion: string;
  /** "operations" (most RPs) or "DiskOperations" (disks and snapshots). */
  collection: string;
  /** What completing it does; dispatched to the owning service. */
  kind: string;
  resourceId: string;
  startTime: number;
  dueAt: number;
  status: "InProgress" | "Succeeded" | "Failed" | "Canceled";
  endTime?: number;
  error?: { code: string; message: string };
  /**
   * HTTP status the Location (monitor) URL answers a failed operation with: the status the
   * synchronous call would have had (500 when the failure is the platform's).
   */
  errorStatus?: number;
  /** What a succeeded operation produced (Run Command's statuses, attachDetach's storageProfile). */
  output?: unknown;
  /** Extra input the completion needs (e.g. the desired power state). */
  input?: Record<string, unknown>;
  /** Embed the resource in the status body as properties.output (disk RP does). */
  embedOutput?: boolean;
  /** The final GET on the Location (monitor) URL returns the resource rather than an empty body. */
  monitorReturnsResource?: boolean;
  /** Set by a fault rule: the operation ends Failed with this error. */
  injectedFailure?: { code: string; message: string };
}

interface Snapshot {
  version: 1;
  resources: StoredResource[];
  operations: OperationRecord[];
}

export interface StoreOptions {
  /** Keep the state in `dir` across restarts (default true). */
  persist?: boolean;
  /** Longest time a change waits before it is written (default 200 ms). */
  saveDelayMs?: number;
}

export class Store {
  private readonly resources = new Map<string, StoredResource>();
  private readonly operations = new Map<string, OperationRecord>();
  private readonly file: string;
  private readonly persist: boolean;
  private readonly saveDelayMs: number;
  private pending: NodeJS.Timeout | undefined;
  /** Closed: nothing is written any more (an operation timer may still end after close). */
  private closed = false;
  private readonly onExit = () => this.flush();

  constructor(
    readonly dir: string,
    o: StoreOptions = {},
  ) {
    this.file = path.join(dir, "state.json");
    this.persist = o.persist ?? true;
    this.saveDelayMs = o.saveDelayMs ?? 200;
    fs.mkdirSync(dir, { recursive: true });
    if (this.persist) process.on("exit", this.onExit);
    if (this.persist && fs.existsSync(this.file)) {
      const snap = JSON.parse(fs.readFileSync(this.file, "utf8")) as Snapshot;
      for (const r of snap.resources) this.resources.set(key(r.id), r);
      for (const o of snap.operations) this.operations.set(o.name, o);
    }
  }

  get<M = Record<string, unknown>>(id: string): StoredResource<M> | undefined {
    return this.resources.get(key(id)) as StoredResource<M> | undefined;
  }

  put(r: StoredResource<unknown>): void {
    this.resources.set(key(r.id), r as StoredResource);
    this.save();
  }

  delete(id: string): boolean {
    const had = this.resources.delete(key(id));
    if (had) this.save();
    return had;
  }

  /** Resources of one type, optionally only those whose id starts with `scope` (case-insensitive). */
  list<M = Record<string, unknown>>(type: string, scope?: string): StoredResource<M>[] {
    const t = type.toLowerCase();
    const prefix = scope ? key(scope) + "/" : "";
    return [...this.resources.values()].filter(
      (r) => r.type.toLowerCase() === t && key(r.id).startsWith(prefix),
    ) as StoredResource<M>[];
  }

  getOperation(name: string): OperationRecord | undefined {
    return this.operations.get(name);
  }

  putOperation(op: OperationRecord): void {
    this.operations.set(op.name, op);
    this.save();
  }

  /** Forgets operations that finished before `before` (clock ms). */
  pruneOperations(before: number): void {
    for (const [name, op] of this.operations) {
      if (op.status !== "InProgress" && (op.endTime ?? 0) < before) this.operations.delete(name);
    }
  }

  allOperations(): OperationRecord[] {
    return [...this.operations.values()];
  }

  /** Marks the state changed; callers that mutate a record in place call this afterwards. */
  save(): void {
    if (!this.persist || this.pending || this.closed) return;
    this.pending = setTimeout(() => this.flush(), this.saveDelayMs);
    this.pending.unref();
  }

  /** Writes the state file now if a change is waiting. */
  flush(): void {
    if (!this.pending) return;
    clearTimeout(this.pending);
    this.pending = undefined;
    this.write();
  }

  /** Writes what is waiting and stops watching the process exit. */
  close(): void {
    this.flush();
    this.closed = true;
    process.off("exit", this.onExit);
  }

  private write(): void {
    const snap: Snapshot = {
      version: 1,
      resources: [...this.resources.values()],
      operations: [...this.operations.values()],
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(snap));
    fs.renameSync(tmp, this.file);
  }
}
