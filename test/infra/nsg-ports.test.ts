import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BICEP_DIR, REPO_ROOT, bodyOf, declarations, getPath, readBicep } from "./bicep-text";
import {
  NEVER_OPEN,
  SEED_INBOUND,
  expandPorts,
  listenersInText,
  runtimeListeners,
  type Protocol,
} from "./fleet-ports";

interface NsgRule {
  name: string;
  protocol: Protocol;
  ports: string[];
  priority: number;
  source: "ssh" | "remoteAccess";
}

const RULES = (
  JSON.parse(readFileSync(path.join(BICEP_DIR, "fleet/nsg-rules.json"), "utf8")) as { rules: NsgRule[] }
).rules;
const RUNTIME = path.join(REPO_ROOT, "runtime");

function opened(protocol: Protocol): Set<number> {
  return new Set(RULES.filter((r) => r.protocol === protocol).flatMap((r) => expandPorts(r.ports)));
}

describe("fleet NSG", () => {
  it("nsg: opens exactly the original's inbound ports, per protocol", () => {
    for (const protocol of ["Tcp", "Udp"] as const) {
      const seed = SEED_INBOUND.filter((r) => r.protocol === protocol).flatMap((r) => expandPorts(r.ports));
      expect([...opened(protocol)].sort(), protocol).toEqual(seed.sort());
    }
  });

  it("nsg: never opens the loopback gateway or VNC", () => {
    for (const { port, why } of NEVER_OPEN) {
      expect(opened("Tcp").has(port) || opened("Udp").has(port), why).toBe(false);
    }
  });

  it("nsg: rules have unique names and priorities, and SSH alone follows the SSH source prefix", () => {
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
    expect(new Set(RULES.map((r) => r.priority)).size).toBe(RULES.length);
    expect(RULES.filter((r) => r.source === "ssh").flatMap((r) => r.ports)).toEqual(["22"]);
  });

  it("nsg: the bicep module builds its inbound allow rules from nsg-rules.json", () => {
    const text = readBicep("modules/fleet-network.bicep");
    expect(text).toContain("loadJsonContent('../fleet/nsg-rules.json').rules");
    const nsg = declarations(text).find((d) => d.type.startsWith("Microsoft.Network/networkSecurityGroups@"));
    if (!nsg) throw new Error("fleet-network.bicep declares no NSG");
    const rules = getPath(bodyOf(nsg), "properties.securityRules") ?? "";
    expect(rules).toMatch(/for rule in nsgRules:/);
    for (const expected of [
      /direction:\s*'Inbound'/,
      /access:\s*'Allow'/,
      /protocol:\s*rule\.protocol/,
      /destinationPortRanges:\s*rule\.ports/,
      /sourceAddressPrefix:\s*rule\.source == 'ssh' \? sshSourcePrefix : remoteAccessSourcePrefix/,
    ]) {
      expect(rules).toMatch(expected);
    }
  });

  it("nsg: the source-prefix parameters reach the module from main.bicep and fleet.bicep", () => {
    for (const file of ["main.bicep", "fleet.bicep"]) {
      const text = readBicep(file);
      expect(text, file).toMatch(/param sshSourcePrefix string = '\*'/);
      expect(text, file).toMatch(/param remoteAccessSourcePrefix string = '\*'/);
      expect(text, file).toMatch(/sshSourcePrefix: sshSourcePrefix/);
      expect(text, file).toMatch(/remoteAccessSourcePrefix: remoteAccessSourcePrefix/);
    }
  });
});

describe("fleet NSG against runtime/", () => {
  it("runtime reader: finds xrdp, Sunshine, sshd, Tailscale and ufw ports in config text", () => {
    const xrdp = listenersInText("# xrdp.ini\n[Globals]\nport=3389\n", "xrdp");
    expect(xrdp).toEqual([{ port: 3389, protocol: "Tcp", source: "xrdp" }]);
    const sunshine = listenersInText("cat > sunshine.conf <<EOF\nport = 47989\nEOF\n", "sun");
    expect(sunshine.filter((l) => l.protocol === "Tcp").map((l) => l.port)).toEqual([
      47984, 47989, 47990, 48010,
    ]);
    expect(sunshine.filter((l) => l.protocol === "Udp").map((l) => l.port)).toEqual([
      47998, 47999, 48000, 48001, 48002,
    ]);
    expect(listenersInText("# sshd_config\nPort 22\n", "s")).toEqual([
      { port: 22, protocol: "Tcp", source: "s" },
    ]);
    expect(listenersInText("ExecStart=/usr/sbin/tailscaled --port=41641\n", "t")).toEqual([
      { port: 41641, protocol: "Udp", source: "t" },
    ]);
    expect(listenersInText("ufw allow 5900/tcp\n", "u")).toEqual([
      { port: 5900, protocol: "Tcp", source: "u" },
    ]);
  });

  it("runtime reader: takes the default ports of the services a script installs", () => {
    const found = listenersInText("apt-get install -y -q xrdp\napt-get install -y -q tailscale\n", "x");
    expect(found.map((l) => `${l.port}/${l.protocol}`)).toEqual(["3389/Tcp", "41641/Udp"]);
    expect(listenersInText("ExecStart=/usr/bin/sunshine\n", "s")).toHaveLength(9);
  });

  it("runtime: every port runtime/ opens to the network is allowed by the NSG", () => {
    if (!existsSync(RUNTIME)) return;
    const uncovered = runtimeListeners(RUNTIME).filter((l) => !opened(l.protocol).has(l.port));
    expect(uncovered).toEqual([]);
  });

  it("runtime: the NSG opens nothing that runtime/ does not listen on (SSH is the image's own)", () => {
    if (!existsSync(path.join(RUNTIME, "install"))) return;
    const listening = runtimeListeners(RUNTIME);
    expect(listening.length).toBeGreaterThan(0);
    const unused = (["Tcp", "Udp"] as const).flatMap((protocol) =>
      [...opened(protocol)]
        .filter((port) => !(protocol === "Tcp" && port === 22))
        .filter((port) => !listening.some((l) => l.protocol === protocol && l.port === port))
        .map((port) => `${port}/${protocol}`),
    );
    expect(unused).toEqual([]);
  });

  it("runtime: the gateway's default config binds to loopback on a port the NSG keeps closed", () => {
    const config = path.join(RUNTIME, "defaults/openclaw/openclaw.json");
    if (!existsSync(config)) return;
    const { gateway } = JSON.parse(readFileSync(config, "utf8")) as {
      gateway: { port: number; bind: string };
    };
    expect(gateway.bind).toBe("loopback");
    expect(NEVER_OPEN.map((n) => n.port)).toContain(gateway.port);
    expect(opened("Tcp").has(gateway.port)).toBe(false);
  });
});
