/**
 * A minimal SSH client for the guest suites (exec and SFTP put over ssh2), so the tests do not
 * depend on the control plane's guest client.
 */
import { Client } from "ssh2";

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string;
}

export function connect(t: SshTarget): Promise<{ client: Client; hostKey: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKey: Buffer = Buffer.alloc(0);
    client.on("ready", () => resolve({ client, hostKey }));
    client.on("error", reject);
    client.connect({
      host: t.host,
      port: t.port,
      username: t.username,
      privateKey: t.privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        hostKey = key;
        return true;
      },
    });
  });
}

export async function exec(
  t: SshTarget,
  command: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { client } = await connect(t);
  try {
    return await new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = "";
        let stderr = "";
        stream.on("data", (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        stream.on("close", (code: number) => resolve({ code, stdout, stderr }));
      });
    });
  } finally {
    client.end();
  }
}

export async function put(t: SshTarget, remotePath: string, content: string, mode: number): Promise<void> {
  const { client } = await connect(t);
  try {
    await new Promise<void>((resolve, reject) => {
      client.sftp((err, sftp) => {
        if (err) return reject(err);
        sftp.writeFile(remotePath, content, { mode }, (e) => {
          if (e) return reject(e);
          sftp.chmod(remotePath, mode, (e2) => (e2 ? reject(e2) : resolve()));
        });
      });
    });
  } finally {
    client.end();
  }
}

/** The host key the server offers (raw blob). */
export async function hostKeyOf(t: SshTarget): Promise<Buffer> {
  const { client, hostKey } = await connect(t);
  client.end();
  return hostKey;
}
