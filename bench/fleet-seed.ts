/**
 * Fleet benchmarks' set-up: N claws whose VMs exist in the emulator (made through the Azure gateway,
 * as a deploy saga would, but without guests or sagas) and whose Claws rows say so, written through
 * core/state. Also the drivers the benchmarks share: starting an orchestration through the dev host's
 * Durable HTTP API and waiting for it, and the park-bound model.
 */
import { utils } from "ssh2";
import { createAzureGatewayFromConfig } from "../core/azure";
import { commandRuntime } from "../core/commands";
import { mapLimit } from "../core/fleet/drift";
import { clawSpecSchema, type Schedule } from "../core/domain";
import type { TwinHarness } from "../local/twin-harness";

/** Creates `count` running claws `<prefix>001…`; returns their names. */
export async function seedClaws(
  t: TwinHarness,
  count: number,
  opts: { prefix?: string; schedule?: Schedule; imageVersion?: string; parallel?: number } = {},
): Promise<string[]> {
  // The twin's subnet is a /24 (about 250 NICs): bigger benches put their NICs in a /20 of their own.
  const { subnetId } = t.twin.emulator.seed({
    ...t.twin.seed,
    vnet: {
      name: "vnet-bench",
      addressPrefix: "10.50.0.0/16",
      subnet: "snet-bench",
      subnetPrefix: "10.50.0.0/20",
    },
  });
  const gateway = createAzureGatewayFromConfig({ ...t.env, FLEET_SUBNET_ID: subnetId });
  const state = commandRuntime({ AzureWebJobsStorage: t.env.AzureWebJobsStorage }).state;
  const location = t.twin.seed.location;
  const imageVersion = opts.imageVersion ?? "1.0.0";
  const sshPublicKey = utils.generateKeyPairSync("ed25519").public;
  const names = Array.from(
    { length: count },
    (_, i) => `${opts.prefix ?? "claw"}${String(i + 1).padStart(3, "0")}`,
  );
  await mapLimit(names, opts.parallel ?? 100, async (claw) => {
    const ip = await gateway.ensurePublicIp({ claw, location });
    const nic = await gateway.ensureNic({ claw, location, publicIpId: ip.id });
    const disk = await gateway.ensureDataDisk({ claw, location, sizeGb: 32 });
    const vm = await gateway.createVm({
      claw,
      location,
      vmSize: "Standard_D2s_v5",
      imageVersion,
      nicId: nic.id,
      dataDiskId: disk.id,
      adminUsername: "clawadmin",
      sshPublicKey,
      customDataBase64: Buffer.from("#cloud-config\n").toString("base64"),
      tags: {},
    });
    await state.claws.create(
      clawSpecSchema.parse({
        name: claw,
        region: location,
        vmSize: "Standard_D2s_v5",
        imageVersion,
        ...(opts.schedule ? { schedule: opts.schedule } : {}),
      }),
    );
    await state.claws.updateObserved(claw, {
      powerState: "running",
      vmId: vm.id,
      nicId: nic.id,
      publicIpId: ip.id,
      diskId: disk.id,
      imageVersion,
    });
  });
  return names;
}

/** Starts orchestration `name` through the dev host's Durable HTTP API; resolves with its id. */
export async function startOrchestration(
  t: TwinHarness,
  name: string,
  input: unknown,
  instanceId?: string,
): Promise<string> {
  const url = `${t.url}/runtime/webhooks/durabletask/orchestrators/${name}${instanceId ? `/${instanceId}` : ""}`;
  const res = await fetch(`${url}?code=${encodeURIComponent(t.apiKey)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  if (res.status !== 202) throw new Error(`starting ${name}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Polls an instance until it completes (throws when it fails or `timeoutMs` passes). */
export async function waitForOrchestration(t: TwinHarness, id: string, timeoutMs: number): Promise<unknown> {
  const url = `${t.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    // A dropped connection (keep-alive race on a busy host) is just another poll.
    const res = await fetch(`${url}?code=${encodeURIComponent(t.apiKey)}`).catch(() => undefined);
    const s = ((await res?.json().catch(() => undefined)) ?? {}) as {
      runtimeStatus?: string;
      output?: unknown;
    };
    if (s.runtimeStatus === "Completed") return s.output;
    if (s.runtimeStatus === "Failed" || s.runtimeStatus === "Terminated" || Date.now() > until) {
      throw new Error(`${id}: ${JSON.stringify(s).slice(0, 500)}\n${t.logs.slice(-20).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
