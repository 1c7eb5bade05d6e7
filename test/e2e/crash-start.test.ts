/**
 * Kill the dev host (SIGKILL) at each point of a saga start — after the claw is claimed, after
 * the operation is recorded, after the saga is started but before the request is marked done —
 * start it again, and show the claw takes a new command within the command lease, with records
 * that say what happened. The twin's TWIN_FAULT_POINT holds the handler at the point named.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwinHarness, type TwinHarness } from "../../local/twin-harness";

const LEASE_SECONDS = 3;
/** How long past the lease a new command may still be refused (host restart, saga ending). */
const SLACK_MS = 30_000;

describe("dev host killed while starting a saga", () => {
  let t: TwinHarness;
  beforeAll(async () => {
    t = await startTwinHarness({ env: { COMMAND_LEASE_SECONDS: String(LEASE_SECONDS) } });
  }, 120_000);
  afterAll(async () => t?.close());

  async function restartHost(faultPoint?: string): Promise<void> {
    await t.killHost();
    if (faultPoint) t.env.TWIN_FAULT_POINT = faultPoint;
    else delete t.env.TWIN_FAULT_POINT;
    await t.startHost();
  }

  async function waitForLog(text: string): Promise<void> {
    const until = Date.now() + 30_000;
    while (!t.logs.some((l) => l.includes(text))) {
      if (Date.now() > until) throw new Error(`no log line '${text}':\n${t.logs.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function post(path: string, key: string): Promise<Response> {
    return fetch(`${t.url}/api${path}`, {
      method: "POST",
      headers: { "x-functions-key": t.apiKey, "idempotency-key": key },
    });
  }

  /** Sends new commands until one is accepted; answers it and how many were refused first. */
  async function acceptedWithinLease(claw: string) {
    const until = Date.now() + LEASE_SECONDS * 1000 + SLACK_MS;
    let refused = 0;
    for (let n = 0; ; n++) {
      const res = await post(`/v1/claws/${claw}/park`, `after-crash-${claw}-${n}`);
      const body = (await res.json()) as { operationId?: string; error?: { code?: string } };
      if (res.status === 202) return { operationId: body.operationId!, refused };
      expect(res.status, JSON.stringify(body)).toBe(409);
      refused++;
      if (Date.now() > until) throw new Error(`${claw} still refuses commands: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const points = ["saga-start:claimed", "saga-start:recorded", "saga-start:started"] as const;
  points.forEach((point, i) => {
    it(`startSaga: a host killed at ${point} leaves the claw taking a new command within the lease`, async () => {
      const claw = `crash${i}`;
      const created = await t.api("POST", "/v1/claws", {
        name: claw,
        region: "westus",
        vmSize: "Standard_D2s_v5",
        imageVersion: "1.0.0",
      });
      expect(created.status).toBe(201);

      await restartHost(point);
      const key = `crashed-verify-${claw}`;
      const cut = post(`/v1/claws/${claw}/verify`, key).catch(() => undefined);
      await waitForLog(`fault point ${point} reached`);
      await restartHost();
      expect(await cut).toBeUndefined(); // the connection died with the host

      const held = await t.api<{ runningOperationId?: string }>("GET", `/v1/claws/${claw}`);
      if (point !== "saga-start:started") expect(held.body.runningOperationId).toBeDefined();

      const next = await acceptedWithinLease(claw);
      const ops = await t.api<{ operations: Array<{ id: string; kind: string; requestId?: string }> }>(
        "GET",
        `/v1/operations?claw=${claw}`,
      );
      const crashed = ops.body.operations.filter((o) => o.requestId === key);
      if (point === "saga-start:claimed") {
        expect(crashed).toEqual([]); // claimed, never recorded
      } else {
        expect(crashed).toHaveLength(1);
        const rec = await t.waitForOperation(crashed[0].id);
        if (point === "saga-start:recorded") {
          expect(rec).toMatchObject({ status: "failed", error: { code: "ABANDONED" } });
        } else {
          // The saga did start and ran to its end (verify of a claw without a VM fails on its own).
          expect((rec.error as { code?: string } | undefined)?.code).not.toBe("ABANDONED");
          // The request sent again (while the next command holds the claw) answers that
          // operation and starts nothing more.
          const again = await post(`/v1/claws/${claw}/verify`, key);
          const body = (await again.json()) as { operationId?: string; duplicate?: boolean };
          expect(again.status).toBe(202);
          expect(body.operationId).toBe(crashed[0].id);
          const after = await t.api<{ operations: Array<{ requestId?: string }> }>(
            "GET",
            `/v1/operations?claw=${claw}`,
          );
          expect(after.body.operations.filter((o) => o.requestId === key)).toHaveLength(1);
        }
      }
      await t.waitForOperation(next.operationId);
    }, 180_000);
  });
});
