import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SEED, manualClock, startAzureEmulator, type AzureEmulator } from "../../local/azure";
import { RG, SUB, clawVm, startTwin, type Twin } from "./helpers";

// Assertions read ARM bodies by path; typing every shape would add nothing here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The SDK model as ARM's wire shape (properties nested). */
function wire(model: ReturnType<typeof clawVm>): unknown {
  const { location, ...properties } = model;
  return { location, properties };
}

const vmPath = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`;

async function arm(
  e: AzureEmulator,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; json: Loose }> {
  const url = p.startsWith("http") ? p : `${e.url}${p}?api-version=2026-03-01`;
  const res = await fetch(url, {
    method,
    headers: { authorization: "Bearer x", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

describe("latency model", () => {
  it("azure profile: a VM create stays InProgress until the clock passes its duration", async () => {
    const clock = manualClock();
    const t: Twin = await startTwin({ clock, latency: { profile: "azure", seed: 7 } });
    cleanup.push(() => t.emulator.close());
    const nicPut = await arm(
      t.emulator,
      "PUT",
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/slow-nic`,
      {
        location: "westus",
        properties: { ipConfigurations: [{ name: "c", properties: { subnet: { id: t.ids.subnetId } } }] },
      },
    );
    clock.advance(10_000);
    const nic = { id: nicPut.json.id as string };
    const put = await arm(t.emulator, "PUT", vmPath("slow"), wire(clawVm(t, { nicId: nic.id! })));
    expect(put.status).toBe(201);
    expect(put.json.properties.provisioningState).toBe("Creating");
    const statusUrl = put.headers.get("azure-asyncoperation")!;
    const polled = await arm(t.emulator, "GET", statusUrl);
    expect(polled.json.status).toBe("InProgress");
    expect(Number(polled.headers.get("retry-after"))).toBeGreaterThan(0);
    clock.advance(59_000); // Azure-typical creates take 60-120 s
    expect((await arm(t.emulator, "GET", statusUrl)).json.status).toBe("InProgress");
    clock.advance(61_000);
    const done = await arm(t.emulator, "GET", statusUrl);
    expect(done.json.status).toBe("Succeeded");
    expect(done.json.endTime).toBeDefined();
    expect((await arm(t.emulator, "GET", vmPath("slow"))).json.properties.provisioningState).toBe(
      "Succeeded",
    );
  });
});

describe("persistence", () => {
  it("--persist: a restarted emulator keeps resources and finishes operations that were running", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emu-persist-"));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const clock = manualClock();
    const first = await startAzureEmulator({
      persistDir: dir,
      clock,
      latency: { profile: "azure" },
      guests: { enabled: false },
      seed: DEFAULT_SEED,
      log: () => undefined,
      tls: false,
    });
    const put = await arm(
      first,
      "PUT",
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/kept`,
      {
        location: "westus",
        properties: { creationData: { createOption: "Empty" }, diskSizeGB: 8 },
      },
    );
    expect(put.status).toBe(202);
    const statusPath = new URL(put.headers.get("azure-asyncoperation")!);
    await first.close();

    clock.advance(60_000);
    const second = await startAzureEmulator({
      persistDir: dir,
      clock,
      guests: { enabled: false },
      log: () => undefined,
      tls: false,
    });
    cleanup.push(() => second.close());
    const polled = await arm(second, "GET", `${second.url}${statusPath.pathname}${statusPath.search}`);
    expect(polled.json.status).toBe("Succeeded");
    expect(polled.json.properties.output.name).toBe("kept");
    const disk = await arm(
      second,
      "GET",
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/kept`,
    );
    expect(disk.json.properties.provisioningState).toBe("Succeeded");
    expect(fs.existsSync(path.join(dir, "disks", disk.json.properties.uniqueId))).toBe(true);
  });
});

describe("preemption", () => {
  it("deallocate: preempts a running start, whose operation fails with OperationPreempted", async () => {
    const clock = manualClock();
    const t = await startTwin({ clock, latency: { profile: "azure" } });
    cleanup.push(() => t.emulator.close());
    const nicPut = await arm(
      t.emulator,
      "PUT",
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/pre-nic`,
      {
        location: "westus",
        properties: { ipConfigurations: [{ name: "c", properties: { subnet: { id: t.ids.subnetId } } }] },
      },
    );
    clock.advance(10_000);
    await arm(t.emulator, "PUT", vmPath("pre"), wire(clawVm(t, { nicId: nicPut.json.id })));
    clock.advance(200_000);
    await arm(t.emulator, "GET", vmPath("pre"));
    const dealloc1 = await arm(t.emulator, "POST", `${vmPath("pre")}/deallocate`);
    clock.advance(100_000);
    await arm(t.emulator, "GET", dealloc1.headers.get("azure-asyncoperation")!);
    const start = await arm(t.emulator, "POST", `${vmPath("pre")}/start`);
    const dealloc2 = await arm(t.emulator, "POST", `${vmPath("pre")}/deallocate`);
    expect(dealloc2.status).toBe(202);
    const startStatus = await arm(t.emulator, "GET", start.headers.get("azure-asyncoperation")!);
    expect([startStatus.json.status, startStatus.json.error?.code]).toEqual(["Failed", "OperationPreempted"]);
  });
});
