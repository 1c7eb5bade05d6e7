import { randomBytes } from "node:crypto";
import type { SFTPWrapper } from "ssh2";
import { ClawError } from "../errors";

function call<T = void>(
  what: string,
  fn: (cb: (err: Error | undefined | null, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => {
      if (err) reject(new ClawError("SSH_ERROR", `${what}: ${err.message}`, { retryable: true }));
      else resolve(value as T);
    });
  });
}

/** Creates `dir` (one level) with `mode` unless it already is a directory. */
export async function ensureDir(sftp: SFTPWrapper, dir: string, mode = 0o700): Promise<void> {
  try {
    await call(`mkdir ${dir}`, (cb) => sftp.mkdir(dir, { mode }, cb));
  } catch (e) {
    const st = await call<{ isDirectory(): boolean }>(`stat ${dir}`, (cb) => sftp.stat(dir, cb)).catch(
      () => undefined,
    );
    if (!st?.isDirectory()) {
      throw new ClawError(
        "SSH_ERROR",
        `cannot create ${dir} on the guest (is its parent there?): ${(e as Error).message}`,
        {
          retryable: true,
        },
      );
    }
  }
}

/** Renames over an existing file: posix-rename where the server offers it, else remove + rename. */
async function replaceFile(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    // Throws synchronously when the server does not advertise posix-rename@openssh.com.
    await call(`rename ${from}`, (cb) => sftp.ext_openssh_rename(from, to, cb));
    return;
  } catch (e) {
    if (e instanceof ClawError) throw e;
  }
  try {
    await call(`rename ${from}`, (cb) => sftp.rename(from, to, cb));
  } catch {
    // Plain SFTP rename refuses an existing target on OpenSSH.
    await call(`remove ${to}`, (cb) => sftp.unlink(to, cb)).catch(() => undefined);
    await call(`rename ${from} to ${to}`, (cb) => sftp.rename(from, to, cb));
  }
}

/**
 * Writes `content` to `path` atomically: a temp file created with `mode` (never wider, not even
 * for an instant), filled, chmod-ed again (the server's umask may have narrowed or the file may
 * have existed), then renamed into place. The temp file is removed on failure.
 */
export async function putFileAtomic(
  sftp: SFTPWrapper,
  path: string,
  content: string | Buffer,
  mode: number,
): Promise<void> {
  const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  const handle = await call<Buffer>(`open ${tmp}`, (cb) => sftp.open(tmp, "w", { mode }, cb));
  try {
    for (let off = 0; off < data.length; off += 32 * 1024) {
      const len = Math.min(32 * 1024, data.length - off);
      await call(`write ${tmp}`, (cb) => sftp.write(handle, data, off, len, off, cb));
    }
    await call(`chmod ${tmp}`, (cb) => sftp.fchmod(handle, mode, cb));
  } catch (e) {
    await call(`close ${tmp}`, (cb) => sftp.close(handle, cb)).catch(() => undefined);
    await call(`remove ${tmp}`, (cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    throw e;
  }
  await call(`close ${tmp}`, (cb) => sftp.close(handle, cb));
  try {
    await replaceFile(sftp, tmp, path);
  } catch (e) {
    await call(`remove ${tmp}`, (cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    throw e;
  }
}
