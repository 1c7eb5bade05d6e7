/**
 * Test doubles for the command handler's seams: a durable client that records the sagas it was
 * asked to start (state stays in real Azurite tables; only the durable runtime is faked).
 */
import { randomBytes } from "node:crypto";
import { createRequestLog, type CommandDeps, type SagaClient, type SagaStatus } from "../../core/commands";
import { clawSpecSchema, type ClawSpecInput } from "../../core/domain";
import { createStateStore } from "../../core/state";
import type { SagaInput } from "../../core/sagas";

export interface FakeDurable extends SagaClient {
  started: { name: string; instanceId: string; input: SagaInput }[];
  instances: Map<string, SagaStatus>;
  /** When set, startNew rejects with this error. */
  failStart?: Error;
}

/** A durable client whose instances live in a map; a started saga stays "Running". */
export function fakeDurable(): FakeDurable {
  const fake: FakeDurable = {
    started: [],
    instances: new Map(),
    async startNew(name, { instanceId, input }) {
      if (fake.failStart) throw fake.failStart;
      const existing = fake.instances.get(instanceId);
      if (existing && ["Running", "Pending"].includes(existing.runtimeStatus)) {
        throw new Error(`An orchestration with instance ID '${instanceId}' already exists`);
      }
      fake.started.push({ name, instanceId, input });
      fake.instances.set(instanceId, { runtimeStatus: "Running", input, customStatus: null });
      return instanceId;
    },
    async getStatus(instanceId) {
      return fake.instances.get(instanceId);
    },
  };
  return fake;
}

export type TestDeps = CommandDeps & { durable: FakeDurable; prefix: string };

/** Command deps on fresh, randomly prefixed tables of the given Azurite. */
export function testDeps(connectionString: string, now?: () => Date): TestDeps {
  const prefix = `t${randomBytes(4).toString("hex")}`;
  return {
    state: createStateStore(connectionString, { prefix, now }),
    requests: createRequestLog(connectionString, { prefix, now }),
    durable: fakeDurable(),
    now,
    prefix,
  };
}

export function spec(name = "alice", extra: Partial<ClawSpecInput> = {}) {
  return clawSpecSchema.parse({
    name,
    region: "eastus",
    vmSize: "Standard_D4s_v5",
    imageVersion: "1.0.0",
    ...extra,
  });
}

let counter = 0;
/** A unique request id for a test. */
export function rid(label = "r"): string {
  counter += 1;
  return `${label}-${counter}-${randomBytes(3).toString("hex")}`;
}

/** Awaits `p` and returns the error it rejects with (fails the test when it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown>; retryable?: boolean }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}
