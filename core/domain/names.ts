import { z } from "zod";

/**
 * A claw's name is its VM name and the prefix of every resource it owns (`<name>-data`,
 * `<name>-os-1-2-3-ab12cd`), so it must satisfy the strictest of those rules: Linux VM and
 * computer names, managed disk, NIC and public IP names. The limit of 48 leaves room for the
 * longest suffix within ARM's 80-character disk and snapshot names.
 */
export const CLAW_NAME_MAX = 48;

/** Azure refuses resource names that are, contain or start with these (ReservedResourceName). */
const RESERVED_EXACT = new Set([
  "access", "azure", "bing", "bizspark", "biztalk", "cortana", "directx", "dotnet", "dynamics",
  "excel", "exchange", "forefront", "groove", "hololens", "hyperv", "kinect", "lync", "msdn",
  "o365", "office", "office365", "onedrive", "onenote", "outlook", "powerpoint", "sharepoint",
  "skype", "visio", "visualstudio",
]); // prettier-ignore
const RESERVED_INSIDE = ["microsoft", "windows"];
const RESERVED_START = ["login", "xbox"];

/** Returns what is wrong with a claw name, or undefined when it is valid. */
export function clawNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > CLAW_NAME_MAX)
    return `must be at most ${CLAW_NAME_MAX} characters (it has ${name.length})`;
  if (/[A-Z]/.test(name) && /^[A-Za-z0-9-]+$/.test(name)) {
    return `must be lower-case (did you mean '${name.toLowerCase()}'?)`;
  }
  const bad = [...name].findIndex((c) => !/[a-z0-9-]/.test(c));
  if (bad >= 0) {
    return `may contain only lower-case letters, digits and hyphens ('${name[bad]}' at position ${bad + 1})`;
  }
  if (!/^[a-z]/.test(name)) return "must start with a letter";
  if (name.endsWith("-")) return "must not end with a hyphen";
  if (RESERVED_EXACT.has(name)) return `'${name}' is a name Azure reserves`;
  const inside = RESERVED_INSIDE.find((w) => name.includes(w));
  if (inside) return `must not contain '${inside}' (Azure reserves it)`;
  const start = RESERVED_START.find((w) => name.startsWith(w));
  if (start) return `must not start with '${start}' (Azure reserves it)`;
  return undefined;
}

/** The claw name rule as one regular expression (documents and OpenAPI parameters). */
export const CLAW_NAME_PATTERN = "^[a-z]([a-z0-9-]{0,46}[a-z0-9])?$";

/** Claw name: valid Linux VM name and resource-name prefix; one precise message when not. */
export const clawNameSchema = z
  .string()
  .check((ctx) => {
    const problem = clawNameProblem(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  })
  .meta({
    description: "Claw name: lower-case letters, digits, hyphens; starts with a letter; 1..48",
    pattern: CLAW_NAME_PATTERN,
    maxLength: CLAW_NAME_MAX,
  });

/** Azure region name as ARM spells it: eastus, westeurope, swedencentral. */
export const regionSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9]{1,39}$/,
    "must be an Azure region name in lower-case letters and digits, like 'eastus'",
  );

/** VM size such as Standard_D4s_v5 or Standard_NV36ads_A10_v5. */
export const vmSizeSchema = z
  .string()
  // Azure's longest sizes are about 30 characters (Standard_ND96isr_H100_v5).
  .max(64, "must be at most 64 characters")
  .regex(
    /^(Standard|Basic)_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/,
    "must be an Azure VM size like 'Standard_D4s_v5'",
  );

const INT32_MAX = 2147483647;

/** Gallery image version: Major.Minor.Patch, each a 32-bit integer (the gallery's own rule). */
export const imageVersionSchema = z
  .string()
  .regex(/^\d{1,10}\.\d{1,10}\.\d{1,10}$/, "must be an image version like '1.2.3'")
  .refine((v) => v.split(".").every((p) => Number(p) <= INT32_MAX), "each part must be at most 2147483647");

/** Orders image versions numerically ("1.10.0" after "1.9.0"). */
export function compareImageVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
