/**
 * The guest's SFTP subsystem: enough of the protocol for an SFTP client to put, get, stat, chmod,
 * rename, list and remove files, with absolute guest paths mapped under the sandbox root
 * (`/mnt/claw-data/secrets/claw.env` lands on the attached data disk through the mount link).
 */
import * as fs from "node:fs";
import { utils, type SFTPWrapper } from "ssh2";
import { guestPath, hostPath } from "./sandbox";

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

type Handle = { kind: "file"; fd: number } | { kind: "dir"; path: string; done: boolean };

function attrsOf(st: fs.Stats) {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

function statusFor(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return STATUS_CODE.NO_SUCH_FILE;
  if (code === "EACCES" || code === "EPERM") return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

function openFlags(flags: number): number {
  let f = 0;
  const rw = flags & OPEN_MODE.READ && flags & OPEN_MODE.WRITE;
  f |= rw ? fs.constants.O_RDWR : flags & OPEN_MODE.WRITE ? fs.constants.O_WRONLY : fs.constants.O_RDONLY;
  if (flags & OPEN_MODE.APPEND) f |= fs.constants.O_APPEND;
  if (flags & OPEN_MODE.CREAT) f |= fs.constants.O_CREAT;
  if (flags & OPEN_MODE.TRUNC) f |= fs.constants.O_TRUNC;
  if (flags & OPEN_MODE.EXCL) f |= fs.constants.O_EXCL;
  return f;
}

export function serveSftp(sftp: SFTPWrapper, root: string, home: string): void {
  const handles = new Map<number, Handle>();
  let next = 1;
  const map = (p: string) => hostPath(root, home, p);
  const newHandle = (h: Handle) => {
    const id = next++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  /** Runs a synchronous fs call, answering OK or the mapped error status. */
  const attempt = (reqid: number, fn: () => void) => {
    try {
      fn();
      sftp.status(reqid, STATUS_CODE.OK);
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  };

  sftp.on("OPEN", (reqid, filename, flags, attrs) => {
    try {
      const fd = fs.openSync(map(filename), openFlags(flags), attrs.mode ?? 0o644);
      sftp.handle(reqid, newHandle({ kind: "file", fd }));
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  });
  sftp.on("WRITE", (reqid, handle, offset, data) => {
    const h = handleOf(handle);
    if (h?.kind !== "file") return sftp.status(reqid, STATUS_CODE.FAILURE);
    attempt(reqid, () => fs.writeSync(h.fd, data, 0, data.length, offset));
  });
  sftp.on("READ", (reqid, handle, offset, length) => {
    const h = handleOf(handle);
    if (h?.kind !== "file") return sftp.status(reqid, STATUS_CODE.FAILURE);
    const buf = Buffer.alloc(length);
    try {
      const n = fs.readSync(h.fd, buf, 0, length, offset);
      if (n === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, n));
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  });
  sftp.on("CLOSE", (reqid, handle) => {
    const h = handleOf(handle);
    if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
    handles.delete(handle.readUInt32BE(0));
    attempt(reqid, () => h.kind === "file" && fs.closeSync(h.fd));
  });
  sftp.on("FSTAT", (reqid, handle) => {
    const h = handleOf(handle);
    try {
      if (h?.kind !== "file") throw Object.assign(new Error("bad handle"), { code: "EBADF" });
      sftp.attrs(reqid, attrsOf(fs.fstatSync(h.fd)));
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  });
  const stat = (lstat: boolean) => (reqid: number, p: string) => {
    try {
      sftp.attrs(reqid, attrsOf(lstat ? fs.lstatSync(map(p)) : fs.statSync(map(p))));
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  };
  sftp.on("STAT", stat(false));
  sftp.on("LSTAT", stat(true));
  sftp.on("SETSTAT", (reqid, p, attrs) =>
    attempt(reqid, () => attrs.mode !== undefined && fs.chmodSync(map(p), attrs.mode)),
  );
  sftp.on("FSETSTAT", (reqid, handle, attrs) => {
    const h = handleOf(handle);
    attempt(reqid, () => h?.kind === "file" && attrs.mode !== undefined && fs.fchmodSync(h.fd, attrs.mode));
  });
  sftp.on("MKDIR", (reqid, p, attrs) =>
    attempt(reqid, () => fs.mkdirSync(map(p), { mode: attrs.mode ?? 0o755 })),
  );
  sftp.on("RMDIR", (reqid, p) => attempt(reqid, () => fs.rmdirSync(map(p))));
  sftp.on("REMOVE", (reqid, p) => attempt(reqid, () => fs.unlinkSync(map(p))));
  sftp.on("RENAME", (reqid, from, to) => attempt(reqid, () => fs.renameSync(map(from), map(to))));
  sftp.on("REALPATH", (reqid, p) => {
    const gp = guestPath(root, map(p));
    sftp.name(reqid, [{ filename: gp, longname: gp, attrs: {} as never }]);
  });
  sftp.on("READLINK", (reqid, p) => {
    try {
      const target = fs.readlinkSync(map(p));
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as never }]);
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  });
  sftp.on("OPENDIR", (reqid, p) => {
    try {
      if (!fs.statSync(map(p)).isDirectory())
        throw Object.assign(new Error("not a dir"), { code: "ENOTDIR" });
      sftp.handle(reqid, newHandle({ kind: "dir", path: map(p), done: false }));
    } catch (e) {
      sftp.status(reqid, statusFor(e));
    }
  });
  sftp.on("READDIR", (reqid, handle) => {
    const h = handleOf(handle);
    if (h?.kind !== "dir") return sftp.status(reqid, STATUS_CODE.FAILURE);
    if (h.done) return sftp.status(reqid, STATUS_CODE.EOF);
    h.done = true;
    const names = fs.readdirSync(h.path).map((name) => {
      const st = fs.lstatSync(`${h.path}/${name}`);
      return { filename: name, longname: name, attrs: attrsOf(st) as never };
    });
    sftp.name(reqid, names);
  });
}
