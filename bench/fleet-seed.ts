/**
 * Fleet benchmarks' set-up: N claws whose VMs exist in the emulator (made through the Azure gateway,
 * as a deploy saga would, but without guests or sagas) and whose Claws rows say so, written through
 * core/state; or, with `deploy`, N claws deployed for real (HTTP API → deployClaw saga on the dev
 * host: VM from the gallery, guest booted, host key pinned, secrets delivered, verified). Also the
 * drivers the benchmarks share: starting an orchestration through the dev host's Durable HTTP API
 * and waiting for it.
 */
import { utils } from "ssh2";
import { createAzureGatewayFromConfig, type AzureGateway } from "../core/azure";
import { createStateStore } from "../core/state";
import { mapLimit } from "../core/fleet/drift";
import { clawSpecSchema, type Schedule } from "../core/domain";
import type { TwinHarness } from "../local/twin-harness";

export interface SeedOptions {
  prefix?: string;
  schedule?: Schedule;
  imageVersion?: string;
  parallel?: number;
  /**
   * Deploy each claw through the HTTP API and the deployClaw saga instead of writing VMs and rows
   * directly: what a deployed claw looks like (booted guest, control-plane key, pinned host key,
   * secrets, a verify), for benchmarks whose sagas talk to the guests. Needs guests enabled.
   */
  deploy?: boolean;
}

/** Creates `count` running claws `<prefix>001…`; returns their names. */
export async function seedClaws(t: TwinHarness, count: number, opts: SeedOptions = {}): Promise<string[]> {
  const imageVersion = opts.imageVersion ?? "1.0.0";
  const names = Array.from(
    { length: count },
    (_, i) => `${opts.prefix ?? "claw"}${String(i + 1).padStart(3, "0")}`,
  );
  if (opts.deploy) {
    await mapLimit(names, opts.parallel ?? 100, (claw) => deployClaw(t, claw, imageVersion, opts.schedule));
    return names;
  }
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
  const state = createStateStore(t.env.AzureWebJobsStorage);
  const location = t.twin.seed.location;
  const sshPublicKey = utils.generateKeyPairSync("ed25519").public;
  await mapLimit(names, opts.parallel ?? 100, async (claw) => {
    const { ip, nic, disk, vm } = await createClawResources(gateway, {
      claw,
      location,
      imageVersion,
      sshPublicKey,
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

/** One claw as an operator deploys it: POST /v1/claws, POST /v1/claws/{name}/deploy, wait. */
async function deployClaw(t: TwinHarness, name: string, imageVersion: string, schedule?: Schedule) {
  const spec = { name, region: t.twin.seed.location, vmSize: "Standard_D2s_v5", imageVersion };
  const c = await t.api("POST", "/v1/claws", schedule ? { ...spec, schedule } : spec);
  if (c.status !== 201) throw new Error(`creating ${name}: HTTP ${c.status} ${JSON.stringify(c.body)}`);
  const d = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/deploy`);
  if (d.status !== 202) throw new Error(`deploying ${name}: HTTP ${d.status} ${JSON.stringify(d.body)}`);
  // Polled once a second (the harness's 200 ms, times a hundred claws, would load the host).
  const op = await t.waitForOperation(d.body.operationId, 30 * 60_000, 1_000);
  if (op.status !== "succeeded") throw new Error(`deploying ${name}: ${JSON.stringify(op).slice(0, 500)}`);
}

/** Starts orchestration `name` through the dev host's Durable HTTP API; resolves with its id. */
/** A claw's IP, NIC, data disk and VM through the gateway, as a deploy makes them. */
export async function createClawResources(
  gateway: AzureGateway,
  o: {
    claw: string;
    location: string;
    imageVersion: string;
    sshPublicKey: string;
    tags: Record<string, string>;
  },
) {
  const { claw, location } = o;
  const ip = await gateway.ensurePublicIp({ claw, location });
  const nic = await gateway.ensureNic({ claw, location, publicIpId: ip.id });
  const disk = await gateway.ensureDataDisk({ claw, location, sizeGb: 32 });
  const vm = await gateway.createVm({
    claw,
    location,
    vmSize: "Standard_D2s_v5",
    imageVersion: o.imageVersion,
    nicId: nic.id,
    dataDiskId: disk.id,
    adminUsername: "clawadmin",
    sshPublicKey: o.sshPublicKey,
    customDataBase64: Buffer.from("#cloud-config\n").toString("base64"),
    tags: o.tags,
  });
  return { ip, nic, disk, vm };
}

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
