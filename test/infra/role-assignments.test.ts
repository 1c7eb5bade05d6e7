import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  BICEP_DIR,
  type Declaration,
  bodyOf,
  conditionOf,
  declarations,
  getPath,
  objectEntries,
  readBicep,
} from "./bicep-text";

// Built-in role ids as documented (learn.microsoft.com, "Azure built-in roles").
const DOCUMENTED_ROLE_IDS: Record<string, string> = {
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  virtualMachineContributor: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
};

// The actions of Virtual Machine Contributor that matter here (built-in role JSON). It lacks public
// IP write/delete, snapshots and gallery read (the built-in role's published actions).
const VM_CONTRIBUTOR_ACTIONS = [
  "Microsoft.Compute/virtualMachines/*",
  "Microsoft.Compute/disks/read",
  "Microsoft.Compute/disks/write",
  "Microsoft.Compute/disks/delete",
  "Microsoft.Network/networkInterfaces/*",
  "Microsoft.Network/networkSecurityGroups/join/action",
  "Microsoft.Network/publicIPAddresses/join/action",
  "Microsoft.Network/publicIPAddresses/read",
  "Microsoft.Network/virtualNetworks/subnets/join/action",
];

// What the Azure gateway does in the fleet resource group (deploy, upgrade with snapshot, park/wake,
// destroy), as ARM actions.
const GATEWAY_FLEET_ACTIONS = [
  "Microsoft.Compute/virtualMachines/read",
  "Microsoft.Compute/virtualMachines/write",
  "Microsoft.Compute/virtualMachines/delete",
  "Microsoft.Compute/virtualMachines/start/action",
  "Microsoft.Compute/virtualMachines/deallocate/action",
  "Microsoft.Compute/disks/read",
  "Microsoft.Compute/disks/write",
  "Microsoft.Compute/snapshots/read",
  "Microsoft.Compute/snapshots/write",
  "Microsoft.Compute/snapshots/delete",
  "Microsoft.Network/networkInterfaces/write",
  "Microsoft.Network/networkInterfaces/delete",
  "Microsoft.Network/publicIPAddresses/write",
  "Microsoft.Network/publicIPAddresses/delete",
  "Microsoft.Network/publicIPAddresses/join/action",
  "Microsoft.Network/virtualNetworks/subnets/join/action",
  "Microsoft.Network/networkSecurityGroups/join/action",
];

interface Assignment {
  file: string;
  symbol: string;
  /** Role key in role-ids.json, or `custom:<symbol>` for a role defined in the same file. */
  role: string;
  /** Resource type the assignment is scoped to, or "(deployment scope)" without `scope:`. */
  scopeType: string;
  principal: string;
  conditional: boolean;
}

function bicepFiles(): string[] {
  const top = readdirSync(BICEP_DIR).filter((f) => f.endsWith(".bicep"));
  const modules = readdirSync(path.join(BICEP_DIR, "modules"))
    .filter((f) => f.endsWith(".bicep"))
    .map((f) => `modules/${f}`);
  return [...top, ...modules];
}

function roleOf(roleDefinitionId: string): string {
  const key = /roleIds\.(\w+)\)$/.exec(roleDefinitionId);
  if (key) return key[1];
  const custom =
    /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions',\s*(\w+)\.name\)$/.exec(
      roleDefinitionId,
    );
  if (custom) return `custom:${custom[1]}`;
  throw new Error(`unrecognised roleDefinitionId: ${roleDefinitionId}`);
}

function assignmentsIn(file: string): Assignment[] {
  const decls = declarations(readBicep(file));
  const typeOf = new Map(
    decls.filter((d) => d.kind === "resource").map((d) => [d.name, d.type.split("@")[0]]),
  );
  return decls
    .filter((d) => d.kind === "resource" && d.type.startsWith("Microsoft.Authorization/roleAssignments@"))
    .map((d: Declaration) => {
      const body = bodyOf(d);
      const scope = objectEntries(body).get("scope");
      return {
        file,
        symbol: d.name,
        role: roleOf(getPath(body, "properties.roleDefinitionId") ?? ""),
        scopeType: scope === undefined ? "(deployment scope)" : (typeOf.get(scope) ?? `?${scope}`),
        principal: getPath(body, "properties.principalId") ?? "",
        conditional: conditionOf(d) !== undefined,
      };
    });
}

function customRoleActions(file: string, symbol: string): { actions: string[]; assignableScopes: string } {
  const decl = declarations(readBicep(file)).find((d) => d.name === symbol);
  if (!decl) throw new Error(`${file}: no ${symbol}`);
  const permissions = getPath(bodyOf(decl), "properties.permissions") ?? "";
  return {
    actions: [...permissions.matchAll(/'(Microsoft\.[^']+)'/g)].map((m) => m[1]),
    assignableScopes: getPath(bodyOf(decl), "properties.assignableScopes") ?? "",
  };
}

function grants(patterns: string[], action: string): boolean {
  return patterns.some((p) =>
    p.endsWith("/*")
      ? action.toLowerCase().startsWith(p.slice(0, -1).toLowerCase())
      : p.toLowerCase() === action.toLowerCase(),
  );
}

const ALL = bicepFiles().flatMap(assignmentsIn);
const IDENTITY = ALL.filter((a) => a.principal === "principalId");
const has = (file: string, role: string, scopeType: string) =>
  IDENTITY.some((a) => a.file === file && a.role === role && a.scopeType === scopeType && !a.conditional);

describe("role assignments of the control plane identity", () => {
  it("role ids: role-ids.json holds the documented built-in role ids", () => {
    const ids = JSON.parse(readFileSync(path.join(BICEP_DIR, "modules/role-ids.json"), "utf8")) as Record<
      string,
      string
    >;
    for (const [key, id] of Object.entries(DOCUMENTED_ROLE_IDS)) expect(ids[key], key).toBe(id);
  });

  it("storage: blob, queue and table data roles on the app's own storage account only", () => {
    for (const role of [
      "storageBlobDataOwner",
      "storageQueueDataContributor",
      "storageTableDataContributor",
    ]) {
      expect(has("modules/control-plane-access.bicep", role, "Microsoft.Storage/storageAccounts"), role).toBe(
        true,
      );
    }
  });

  it("key vault: Key Vault Secrets Officer on the vault (the secrets API writes claws' secrets)", () => {
    expect(
      has("modules/control-plane-access.bicep", "keyVaultSecretsOfficer", "Microsoft.KeyVault/vaults"),
    ).toBe(true);
  });

  it("telemetry: Monitoring Metrics Publisher on Application Insights (local auth is off)", () => {
    expect(
      has(
        "modules/control-plane-access.bicep",
        "monitoringMetricsPublisher",
        "Microsoft.Insights/components",
      ),
    ).toBe(true);
    expect(readBicep("modules/monitoring.bicep")).toMatch(/DisableLocalAuth:\s*true/);
  });

  it("fleet: Virtual Machine Contributor, the custom role and gallery Reader, deployed into the fleet group", () => {
    expect(has("modules/fleet-access.bicep", "virtualMachineContributor", "(deployment scope)")).toBe(true);
    expect(has("modules/fleet-access.bicep", "custom:fleetOperatorRole", "(deployment scope)")).toBe(true);
    expect(has("modules/fleet-access.bicep", "reader", "Microsoft.Compute/galleries")).toBe(true);
    const module = declarations(readBicep("main.bicep")).find(
      (d) => d.kind === "module" && d.type === "modules/fleet-access.bicep",
    );
    expect(module && objectEntries(bodyOf(module)).get("scope")).toBe("resourceGroup(fleetRgName)");
    expect(module && getPath(bodyOf(module), "params.principalId")).toBe("identity.outputs.principalId");
  });

  it("fleet: every ARM action the gateway performs is granted in the fleet resource group", () => {
    const custom = customRoleActions("modules/fleet-access.bicep", "fleetOperatorRole");
    const missing = GATEWAY_FLEET_ACTIONS.filter(
      (action) => !grants(VM_CONTRIBUTOR_ACTIONS, action) && !grants(custom.actions, action),
    );
    expect(missing).toEqual([]);
    // And the custom role adds only what Virtual Machine Contributor lacks: no wildcards, no RBAC writes.
    expect(custom.actions.filter((a) => a.includes("*") || a.startsWith("Microsoft.Authorization"))).toEqual(
      [],
    );
    expect(custom.assignableScopes.replace(/\s+/g, "")).toBe("[resourceGroup().id]");
  });

  it("control plane access: its module is deployed into the control plane's resource group", () => {
    const module = declarations(readBicep("main.bicep")).find(
      (d) => d.kind === "module" && d.type === "modules/control-plane-access.bicep",
    );
    expect(module && objectEntries(bodyOf(module)).get("scope")).toBe("controlPlaneRg");
  });

  it("subscription: nothing is assigned or defined at subscription scope", () => {
    for (const file of bicepFiles()) {
      const text = readBicep(file);
      expect(text, file).not.toMatch(/scope:\s*subscription\(\)/);
      if (/targetScope\s*=\s*'subscription'/.test(text)) {
        expect(text, file).not.toMatch(/'Microsoft\.Authorization\/role(Assignments|Definitions)@/);
      }
    }
    // Every assignment found is one of the expected ones (a new one needs a reason and a test).
    expect(ALL.map((a) => `${a.file}:${a.symbol}`).sort()).toEqual(
      [
        "modules/control-plane-access.bicep:operatorSecretsOfficer",
        "modules/control-plane-access.bicep:storageBlob",
        "modules/control-plane-access.bicep:storageQueue",
        "modules/control-plane-access.bicep:storageTable",
        "modules/control-plane-access.bicep:telemetryPublisher",
        "modules/control-plane-access.bicep:vaultSecretsOfficer",
        "modules/fleet-access.bicep:fleetOperator",
        "modules/fleet-access.bicep:galleryReader",
        "modules/fleet-access.bicep:vmContributor",
      ].sort(),
    );
  });

  it("operator: the optional secrets officer is conditional and limited to the vault", () => {
    const officer = ALL.find((a) => a.symbol === "operatorSecretsOfficer");
    expect(officer).toMatchObject({
      role: "keyVaultSecretsOfficer",
      scopeType: "Microsoft.KeyVault/vaults",
      conditional: true,
    });
  });

  it("grants: matches wildcards by prefix and nothing else", () => {
    expect(
      grants(["Microsoft.Compute/virtualMachines/*"], "Microsoft.Compute/virtualMachines/start/action"),
    ).toBe(true);
    expect(
      grants(["Microsoft.Compute/virtualMachines/*"], "Microsoft.Compute/virtualMachineScaleSets/read"),
    ).toBe(false);
    expect(grants(VM_CONTRIBUTOR_ACTIONS, "Microsoft.Network/publicIPAddresses/write")).toBe(false);
  });
});
