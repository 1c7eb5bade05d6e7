/** The API's shapes as the console reads them (subsets of the OpenAPI document). */
import type { FleetRowOperation } from "../../core/console/wire";

export type { Operation, Step } from "../../core/console/wire";
export interface VerifySummary {
  at: string;
  ok: boolean;
  total: number;
  failed: string[];
}

export interface Schedule {
  mode: "always-on" | "scheduled";
  timeZone?: string;
  parkAt?: string;
  wakeAt?: string;
  days?: string[];
}

export interface Claw {
  name: string;
  spec: {
    name: string;
    region: string;
    vmSize: string;
    imageVersion: string;
    schedule?: Schedule;
    tags?: Record<string, string>;
    defaultModel?: string;
  };
  observed: {
    powerState?: string;
    imageVersion?: string;
    publicIp?: string;
    hostKeySha256?: string;
    lastVerify?: VerifySummary;
    diskId?: string;
  };
  runningOperationId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface FleetRow extends Claw {
  schedule: Schedule;
  next?: { action: string; at: string };
  pinnedUntil?: string;
  operation?: FleetRowOperation;
}

export interface Rollout {
  id: string;
  version: string;
  status: string;
  phase?: string;
  reason?: string;
  request: Record<string, unknown>;
  plan?: { canary: string[]; batches: string[][]; excluded: { claw: string; reason: string }[] };
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  claws?: {
    claw: string;
    phase: string;
    status: string;
    operationId?: string;
    detail?: string;
    startedAt?: string;
    endedAt?: string;
  }[];
}

export interface Image {
  version: string;
  [k: string]: unknown;
}

export interface AuditEntry {
  at: string;
  channel: string;
  principal: string;
  kind: string;
  claw?: string;
  accepted: boolean;
  reason?: string;
  operationId?: string;
}

export interface FleetHours {
  days: { day: string; runningHours: number; parkedHours: number; savedCost: number }[];
  totals: { runningHours: number; parkedHours: number; savedCost: number; runningCost: number };
  currency: string;
  unpricedSizes: string[];
}

export interface Accepted {
  operationId: string;
  statusUrl: string;
}
