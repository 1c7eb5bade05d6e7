/**
 * For activity tests on real tables: Azurite for the file's tests, a state store under a prefix of
 * its own, and claws that answer at an address with a pinned host key while an operation runs.
 */
import { afterAll, beforeAll } from "vitest";
import { createStateStore, type ObservedPatch, type StateStore } from "../../core/state";
import { startAzurite, type Azurite } from "./azurite";

/** Starts Azurite before the file's tests and stops it after; `state()` is the store. */
export function useActivityState(): () => StateStore {
  let azurite: Azurite | undefined;
  let state: StateStore | undefined;
  beforeAll(async () => {
    azurite = await startAzurite({ table: true, queue: false });
    state = createStateStore(azurite.connectionString, {
      prefix: `A${Math.random().toString(36).slice(2, 8)}`,
    });
  });
  afterAll(async () => azurite?.close());
  return () => state!;
}

/** A claw in westus at 10.0.0.4 with host key SHA256:claw, and a running operation of `kind`. */
export async function clawInOperation(
  state: StateStore,
  name: string,
  kind: string,
  observed: ObservedPatch = {},
): Promise<{ op: string; claw: string }> {
  await state.claws.create({
    name,
    region: "westus",
    vmSize: "Standard_D2s_v5",
    imageVersion: "1.0.0",
    tags: {},
  });
  await state.claws.updateObserved(name, { publicIp: "10.0.0.4", hostKeySha256: "SHA256:claw", ...observed });
  const op = await state.operations.start({ kind, claw: name, channel: "http", principal: "test" });
  return { op: op.id, claw: name };
}
