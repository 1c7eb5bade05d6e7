/**
 * Benchmark (issue 4): a claw's downtime during an image upgrade, and the number of sequential ARM
 * long-running operations while it is down, for the control plane's upgradeClaw saga side by side
 * with the original tool's order (deallocate → detach → delete → create → attach → boot → verify),
 * both on the same emulator in the same run, on the `azure` latency profile (published durations,
 * divided by SPEED so a run takes a minute instead of an hour).
 *
 * Downtime = from the first disruptive action (saga: stopping the agent; seed: deallocate) until
 * verify passes. Figures are reported in emulated Azure seconds (measured × SPEED).
 * Run: npm run build && node dist/bench/upgrade-downtime.js [rounds]
 */
import fs from "node:fs";
import { createArmClients, staticTokenCredential, realSleep } from "../core/azure";
import { createGuestClient, endpointMapResolver } from "../core/guest";
import { renderCloudInit } from "../core/cloud-init";
import { startTwinHarness, type TwinHarness } from "../local/twin-harness";
import { recordResult, percentile } from "./record";

const SPEED = Number(process.env.BENCH_SPEED ?? 20);
const ROUNDS = Number(process.argv[2] ?? 3);

interface Step {
  name: string;
  startedAt: string;
  endedAt?: string;
}

async function deploy(t: TwinHarness, name: string): Promise<void> {
  const c = await t.api("POST", "/v1/claws", {
    name,
    region: "westus",
    vmSize: "Standard_D2s_v5",
    imageVersion: "1.0.0",
  });
  if (c.status !== 201) throw new Error(`create ${name}: ${JSON.stringify(c.body)}`);
  const d = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/deploy`);
  const op = await t.waitForOperation(d.body.operationId, 300_000);
  if (op.status !== "succeeded") throw new Error(`deploy ${name}: ${JSON.stringify(op)}`);
}

/** The saga: downtime from the operation's own step timings. */
async function sagaUpgrade(t: TwinHarness, name: string, to: string) {
  const r = await t.api<{ operationId: string }>("POST", `/v1/claws/${name}/upgrade`, { toVersion: to });
  const op = (await t.waitForOperation(r.body.operationId, 600_000)) as { status: string; steps: Step[] };
  if (op.status !== "succeeded") throw new Error(`saga upgrade: ${JSON.stringify(op)}`);
  const first =
    op.steps.find((s) => s.name === "stop-agent") ?? op.steps.find((s) => s.name === "delete-vm")!;
  const verify = [...op.steps].reverse().find((s) => s.name === "verify")!;
  const downMs = Date.parse(verify.endedAt!) - Date.parse(first.startedAt);
  const lros = op.steps.filter(
    (s) =>
      Date.parse(s.startedAt) >= Date.parse(first.startedAt) &&
      /^(delete-vm|create-vm|power-off|swap-os-disk|start)/.test(s.name),
  ).length;
  const breakdown = op.steps
    .filter((s) => Date.parse(s.startedAt) >= Date.parse(first.startedAt))
    .map(
      (s) =>
        `${s.name.split(" ")[0]} ${Math.round(((Date.parse(s.endedAt!) - Date.parse(s.startedAt)) * SPEED) / 1000)}s`,
    );
  return { downMs, sequentialLros: lros, breakdown: breakdown.join(", ") };
}

/** The original tool's order, driven through the same SDK clients against the same emulator. */
async function seedUpgrade(t: TwinHarness, name: string, to: string) {
  const s = t.env;
  const { compute } = createArmClients({
    subscriptionId: s.AZURE_SUBSCRIPTION_ID,
    credential: staticTokenCredential(),
    endpoint: s.ARM_ENDPOINT,
    caCert: s.ARM_CA_CERT_FILE ? fs.readFileSync(s.ARM_CA_CERT_FILE) : undefined,
    retry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 },
    sleep: realSleep,
    log: () => undefined,
  });
  const rg = s.FLEET_RESOURCE_GROUP;
  const poll = { updateIntervalInMs: 250 } as Record<string, unknown>;
  const vm = await compute.virtualMachines.get(rg, name);
  const disk = vm.storageProfile!.dataDisks![0];
  const imageId = `/subscriptions/${s.AZURE_SUBSCRIPTION_ID}/resourceGroups/${s.GALLERY_RESOURCE_GROUP}/providers/Microsoft.Compute/galleries/${s.GALLERY_NAME}/images/${s.GALLERY_IMAGE_NAME}/versions/${to}`;
  let lros = 0;
  const t0 = Date.now();
  await compute.virtualMachines.deallocate(rg, name, poll).pollUntilDone(poll);
  lros++;
  const detached = await compute.virtualMachines.get(rg, name);
  detached.storageProfile!.dataDisks = [];
  await compute.virtualMachines.createOrUpdate(rg, name, detached, poll).pollUntilDone(poll);
  lros++;
  await compute.virtualMachines.delete(rg, name, poll).pollUntilDone(poll);
  lros++;
  const custom = renderCloudInit({ clawName: name, imageVersion: to, adminUser: "clawadmin" });
  await compute.virtualMachines
    .createOrUpdate(
      rg,
      name,
      {
        location: vm.location,
        tags: { ...vm.tags, "openclawps-image-version": to },
        hardwareProfile: vm.hardwareProfile,
        networkProfile: vm.networkProfile,
        osProfile: { ...vm.osProfile, customData: custom.base64 },
        storageProfile: {
          imageReference: { id: imageId },
          osDisk: {
            createOption: "FromImage",
            deleteOption: "Delete",
            managedDisk: { storageAccountType: "Premium_LRS" },
          },
          dataDisks: [],
        },
      },
      poll,
    )
    .pollUntilDone(poll);
  lros++;
  const created = await compute.virtualMachines.get(rg, name);
  created.storageProfile!.dataDisks = [
    { lun: 0, createOption: "Attach", deleteOption: "Detach", managedDisk: { id: disk.managedDisk!.id } },
  ];
  await compute.virtualMachines.createOrUpdate(rg, name, created, poll).pollUntilDone(poll);
  lros++;
  // boot → verify: the guest waits for its disk, restores its host key, starts the agent.
  const secrets = JSON.parse(fs.readFileSync(s.LOCAL_SECRETS_FILE, "utf8")) as { sshPrivateKey: string };
  // Pin the claw's host key (kept on its data disk) as the control plane does.
  const pinned = (await t.api<{ observed: { hostKeySha256?: string } }>("GET", `/v1/claws/${name}`)).body
    .observed.hostKeySha256;
  const guest = createGuestClient({
    address: name,
    resolveEndpoint: endpointMapResolver({
      url: s.SSH_ENDPOINT_MAP_URL,
      ca: s.SSH_ENDPOINT_MAP_CA_FILE ? fs.readFileSync(s.SSH_ENDPOINT_MAP_CA_FILE) : undefined,
    }),
    username: "clawadmin",
    privateKey: secrets.sshPrivateKey,
    hostKeySha256: pinned,
    retry: { attempts: 600, delayMs: 100 },
    connectTimeoutMs: 5_000,
  });
  await guest.waitForSsh();
  for (;;) {
    const v = await guest.runVerify();
    if (v.ok) break;
    if (Date.now() - t0 > 600_000)
      throw new Error(`seed upgrade never verified: ${JSON.stringify(v.checks.filter((c) => !c.ok))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { downMs: Date.now() - t0, sequentialLros: lros };
}

async function main(): Promise<void> {
  console.log(
    `upgrade downtime benchmark: azure latency profile at speed ${SPEED}, ${ROUNDS} rounds per strategy`,
  );
  const t = await startTwinHarness({
    emulator: { latency: { profile: "azure", speed: SPEED, seed: 42 }, throttling: { enabled: true } },
  });
  try {
    await deploy(t, "saga-claw");
    await deploy(t, "seed-claw");
    const saga: Array<{ downMs: number; sequentialLros: number; breakdown: string }> = [];
    const seed: Array<{ downMs: number; sequentialLros: number }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const to = i % 2 === 0 ? "1.1.0" : "1.0.0";
      saga.push(await sagaUpgrade(t, "saga-claw", to));
      seed.push(await seedUpgrade(t, "seed-claw", to));
      console.log(
        `  round ${i + 1}: saga down ${((saga[i].downMs * SPEED) / 1000).toFixed(0)} s (${saga[i].sequentialLros} LROs), seed order down ${((seed[i].downMs * SPEED) / 1000).toFixed(0)} s (${seed[i].sequentialLros} LROs)`,
      );
      console.log(`    saga steps (Azure s): ${saga[i].breakdown}`);
    }
    const med = (xs: number[]) => percentile(xs, 50);
    const sagaS = (med(saga.map((x) => x.downMs)) * SPEED) / 1000;
    const seedS = (med(seed.map((x) => x.downMs)) * SPEED) / 1000;
    const result = {
      speed: SPEED,
      rounds: ROUNDS,
      sagaDowntimeMedianAzureSeconds: Math.round(sagaS),
      seedDowntimeMedianAzureSeconds: Math.round(seedS),
      ratio: Math.round((sagaS / seedS) * 100) / 100,
      sagaSequentialLros: saga[0].sequentialLros,
      seedSequentialLros: seed[0].sequentialLros,
      target: "ratio <= 0.8, fewer sequential LROs",
    };
    console.log(
      `  median downtime: saga ${result.sagaDowntimeMedianAzureSeconds} s vs seed order ${result.seedDowntimeMedianAzureSeconds} s → ratio ${result.ratio} (target ≤ 0.8)`,
    );
    console.log(
      `  sequential ARM LROs while down: saga ${result.sagaSequentialLros} vs seed order ${result.seedSequentialLros}`,
    );
    recordResult("upgrade-downtime", result);
  } finally {
    await t.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
