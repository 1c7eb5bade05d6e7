/**
 * The claw's data disk: created only if absent, snapshotted before an upgrade, restored from that
 * snapshot by a compensation (the migrated disk is kept). Never deleted here.
 */
import { clawResourceNames, shortSuffix } from "../../core/domain/naming";
import type { ActivityDeps } from "./ports";
import { asStep, type StepInput } from "./step";

export function createDiskActivities(deps: ActivityDeps) {
  const claws = deps.state.claws;

  async function ensureDisk(input: StepInput & { region: string; sizeGb?: number; diskName: string }) {
    return asStep(deps, input, "ensure-data-disk", async () => {
      const d = await deps.azure.ensureDataDisk({
        claw: input.claw,
        location: input.region,
        sizeGb: input.sizeGb ?? 64,
        diskName: input.diskName,
      });
      await claws.updateObserved(input.claw, { diskId: d.id });
      return {
        result: d,
        detail: d.created ? `created ${input.diskName}` : `${input.diskName} exists (kept as is)`,
      };
    });
  }

  async function snapshotDisk(input: StepInput & { diskName: string; region: string }) {
    return asStep(deps, input, "snapshot-data-disk", async () => {
      const name = clawResourceNames(input.claw).dataSnapshot(shortSuffix(input.op, 8));
      const id = await deps.azure.snapshotDisk({
        diskName: input.diskName,
        snapshotName: name,
        location: input.region,
      });
      return { result: { id, name }, detail: `incremental snapshot ${name}` };
    });
  }

  async function restoreDisk(input: StepInput & { snapshotId: string; region: string }) {
    return asStep(deps, input, "restore-data-disk", async () => {
      const name = `${clawResourceNames(input.claw).dataDisk}-r${shortSuffix(input.op, 8)}`;
      const id = await deps.azure.createDiskFromSnapshot({
        name,
        snapshotId: input.snapshotId,
        location: input.region,
      });
      await claws.updateObserved(input.claw, { diskId: id });
      return {
        result: { id, name },
        detail: `restored ${name} from the pre-upgrade snapshot; the migrated disk is kept, unattached`,
      };
    });
  }

  return { ensureDisk, snapshotDisk, restoreDisk };
}
