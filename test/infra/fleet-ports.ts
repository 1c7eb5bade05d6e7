/**
 * The claws' inbound ports in one place: what the original OpenClawps opened in its fleet NSG (its
 * README, "Security"), what must never be opened, and a reader that finds the ports runtime/ makes
 * a claw listen on, so the NSG in bicep can be checked against both.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export type Protocol = "Tcp" | "Udp";
export interface PortRule {
  protocol: Protocol;
  /** Single ports or ranges, as NSG destinationPortRanges ("22", "47998-48002"). */
  ports: string[];
  purpose: string;
}

/** The original's inbound rules: 22/tcp, 3389/tcp, Sunshine tcp + udp, 41641/udp. */
export const SEED_INBOUND: PortRule[] = [
  { protocol: "Tcp", ports: ["22"], purpose: "SSH" },
  { protocol: "Tcp", ports: ["3389"], purpose: "RDP (xrdp)" },
  { protocol: "Tcp", ports: ["47984", "47989", "47990", "48010"], purpose: "Sunshine/Moonlight" },
  { protocol: "Udp", ports: ["47998-48002"], purpose: "Sunshine/Moonlight streams" },
  { protocol: "Udp", ports: ["41641"], purpose: "Tailscale direct" },
];

/** Ports that stay closed: the gateway's chat UI is loopback-only; VNC is not in the default NSG. */
export const NEVER_OPEN: { port: number; why: string }[] = [
  { port: 18789, why: "OpenClaw gateway (loopback; reached through Tailscale Serve or an SSH tunnel)" },
  { port: 5900, why: "VNC (not in the original's default NSG)" },
];

/** Expands "47998-48002" into [47998..48002]. */
export function expandPorts(ranges: string[]): number[] {
  return ranges.flatMap((r) => {
    const [lo, hi = lo] = r.split("-").map(Number);
    return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
  });
}

export interface Listener {
  port: number;
  protocol: Protocol;
  source: string;
}

/**
 * Sunshine derives its ports from one base port (default 47989): HTTPS base-5, HTTP base, web UI
 * base+1, RTSP base+21 over TCP; video, control, audio and microphone base+9..base+13 over UDP.
 */
export function sunshinePorts(base: number, source: string): Listener[] {
  return [
    ...[-5, 0, 1, 21].map((d) => ({ port: base + d, protocol: "Tcp" as const, source })),
    ...[9, 10, 11, 12, 13].map((d) => ({ port: base + d, protocol: "Udp" as const, source })),
  ];
}

/** Default ports of the remote-access services runtime/ installs, when it does not set its own. */
export const SERVICE_DEFAULTS: {
  service: string;
  installed: RegExp;
  listeners: (source: string) => Listener[];
}[] = [
  {
    service: "xrdp",
    installed: /apt-get install\b[^\n]*\bxrdp\b/,
    listeners: (source) => [{ port: 3389, protocol: "Tcp", source }],
  },
  {
    service: "sunshine",
    installed: /ExecStart=\S*\/sunshine\b|apt-get install\b[^\n]*\bsunshine\b/,
    listeners: (source) => sunshinePorts(47989, source),
  },
  {
    service: "tailscaled",
    installed: /apt-get install\b[^\n]*\btailscale\b/,
    listeners: (source) => [{ port: 41641, protocol: "Udp", source }],
  },
];

/** Finds the public listeners a runtime/ file sets up (xrdp, Sunshine, sshd, Tailscale, ufw). */
export function listenersInText(text: string, source: string): Listener[] {
  const found: Listener[] = [];
  const lower = text.toLowerCase();
  for (const service of SERVICE_DEFAULTS) {
    if (service.installed.test(text))
      found.push(...service.listeners(`${source} (${service.service} default)`));
  }
  for (const m of text.matchAll(/^\s*port\s*=\s*(\d{2,5})\s*$/gm)) {
    const port = Number(m[1]);
    if (lower.includes("sunshine")) found.push(...sunshinePorts(port, source));
    else if (lower.includes("xrdp")) found.push({ port, protocol: "Tcp", source });
  }
  for (const m of text.matchAll(/^\s*Port\s+(\d{2,5})\s*$/gm)) {
    if (lower.includes("sshd")) found.push({ port: Number(m[1]), protocol: "Tcp", source });
  }
  for (const m of text.matchAll(/tailscaled\b[^\n]*--port[= ](\d{2,5})/g)) {
    found.push({ port: Number(m[1]), protocol: "Udp", source });
  }
  for (const m of text.matchAll(/ufw\s+allow\s+(\d{2,5})(?::(\d{2,5}))?(?:\/(tcp|udp))?/gi)) {
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    const protocols: Protocol[] = m[3] ? [m[3].toLowerCase() === "udp" ? "Udp" : "Tcp"] : ["Tcp", "Udp"];
    for (let port = lo; port <= hi; port++)
      for (const protocol of protocols) found.push({ port, protocol, source });
  }
  return found;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** Every public listener configured anywhere under `runtimeDir` (empty when it has none yet). */
export function runtimeListeners(runtimeDir: string): Listener[] {
  return walk(runtimeDir).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    if (text.includes("\u0000")) return [];
    return listenersInText(text, path.relative(runtimeDir, file));
  });
}
