import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ReproError } from '../core/errors.js';

/**
 * The one place that starts `git`. Everything repro reads from or writes to a repository goes
 * through the system Git, so whatever Git accepts works here too: SHA-256 object format,
 * reftable, split and sparse indexes, `[include]` in config, clean filters (Git LFS), packs.
 *
 * Environment: the caller's, so the user's config applies (system, global, `GIT_CONFIG_*`,
 * `-c` through `GIT_CONFIG_PARAMETERS`), minus the variables that say *which* repository Git
 * works on (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`, ...). repro always works on the
 * repository that contains the project directory, found from there as `git` itself finds it:
 * a Git hook exports `GIT_DIR` and `GIT_INDEX_FILE` for its own repository (and a temporary
 * index), and a `repro run` started from one must neither write into that index nor record
 * into another repository. The previous in-process reader ignored them too, so this is the
 * behaviour repro always had. A variable this module sets itself (the temporary index of a
 * snapshot) is passed per call.
 */
const LOCATION_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_PREFIX',
  'GIT_NAMESPACE',
  'GIT_SHALLOW_FILE',
  'GIT_GRAFT_FILE',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_QUARANTINE_PATH',
];

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of LOCATION_VARS) delete env[k];
  // Reads never take the index lock for an opportunistic refresh (as `git status` may), and
  // no command may stop to ask for credentials.
  env.GIT_OPTIONAL_LOCKS = '0';
  env.GIT_TERMINAL_PROMPT = '0';
  return Object.assign(env, extra);
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string | Uint8Array;
  env?: Record<string, string>;
}

/** Run `git <args>` in `cwd` and collect its output; a failure to start is `E_GIT`. */
export function runGit(cwd: string, args: string[], opts: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('git', args, { cwd, env: gitEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(startError(cwd, e));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(startError(cwd, e)));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin!.on('error', () => {}); // git may exit before reading all of it; its exit code says why
    child.stdin!.end(opts.input ?? '');
  });
}

function startError(cwd: string, e: unknown): ReproError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && (e as NodeJS.ErrnoException).path === 'git') {
    return new ReproError('E_GIT', `git is not installed: 'git'`, { hint: 'install Git (2.36 or newer) and put it on PATH', cause: e });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ReproError('E_NOT_GIT', `not a git repository: '${cwd}'`, { hint: "run 'git init' first", cause: e });
  }
  return new ReproError('E_GIT', `could not start git: '${cwd}'`, { cause: e });
}

/** `git <args>`'s stdout; a non-zero exit is `E_GIT` with Git's own first error line. */
export async function git(cwd: string, args: string[], opts: GitOptions = {}): Promise<Buffer> {
  const r = await runGit(cwd, args, opts);
  if (r.code !== 0) throw gitFailure(args, r);
  return r.stdout;
}

/** `git <args>`'s stdout as text without the final newline. */
export async function gitText(cwd: string, args: string[], opts: GitOptions = {}): Promise<string> {
  return (await git(cwd, args, opts)).toString('utf8').replace(/\n$/, '');
}

export function gitFailure(args: string[], r: GitResult): ReproError {
  const line = r.stderr.split('\n').find((l) => /^(fatal|error):/.test(l)) ?? r.stderr.split('\n')[0] ?? '';
  return new ReproError('E_GIT', `git ${args[0]} failed (${line.replace(/^(fatal|error): /, '').trim() || `exit ${r.code}`})`, {
    hint: r.stderr.trim() ? undefined : 'run the same git command by hand to see why',
  });
}

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface CatFileObject {
  oid: string;
  type: ObjectType;
  content: Buffer;
}

type Answer = { oid: string; type: ObjectType; size: number; content?: Buffer } | 'missing' | 'ambiguous';

interface Pending {
  contents: boolean;
  resolve: (a: Answer) => void;
  reject: (e: unknown) => void;
}

const HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) (blob|tree|commit|tag) (\d+)$/;

/**
 * One long-lived `git cat-file --batch-command` per repository for reads within a command
 * (started on the first read, ended when the process exits): a read is one line written and
 * one answer read, about 20 µs, where starting `git` costs milliseconds. Requests are pipelined
 * and answered in order. The child does not keep the process alive while nothing is asked.
 */
class CatFile {
  private readonly child: ChildProcess;
  private readonly queue: Pending[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private failed: ReproError | null = null;

  constructor(private readonly cwd: string) {
    this.child = spawn('git', ['cat-file', '--batch-command'], { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.on('error', (e) => this.fail(startError(cwd, e)));
    this.child.on('exit', () => this.fail(new ReproError('E_GIT', `git cat-file exited: '${cwd}'`)));
    this.child.stdin!.on('error', () => {}); // reported through 'exit'
    this.child.stdout!.on('data', (b: Buffer) => this.onData(b));
    this.idle();
  }

  ask(command: 'info' | 'contents', name: string): Promise<Answer> {
    if (this.failed) return Promise.reject(this.failed);
    if (/[\n\r\0]/.test(name)) return Promise.resolve('missing');
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) this.busy();
      this.queue.push({ contents: command === 'contents', resolve, reject });
      this.child.stdin!.write(`${command} ${name}\n`);
    });
  }

  close(): void {
    this.child.kill();
  }

  private onData(b: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
    for (;;) {
      const head = this.queue[0];
      const nl = this.buf.indexOf(0x0a);
      if (!head || nl < 0) break;
      const line = this.buf.toString('utf8', 0, nl);
      const m = HEADER.exec(line);
      if (!m) {
        this.buf = this.buf.subarray(nl + 1);
        this.queue.shift();
        head.resolve(line.endsWith(' ambiguous') ? 'ambiguous' : 'missing');
      } else {
        const size = Number(m[3]);
        if (head.contents && this.buf.length < nl + 1 + size + 1) break; // wait for the rest
        const content = head.contents ? Buffer.from(this.buf.subarray(nl + 1, nl + 1 + size)) : undefined;
        this.buf = this.buf.subarray(head.contents ? nl + 1 + size + 1 : nl + 1);
        this.queue.shift();
        head.resolve({ oid: m[1]!, type: m[2] as ObjectType, size, content });
      }
    }
    if (this.queue.length === 0) this.idle();
  }

  private fail(e: ReproError): void {
    this.failed ??= e;
    batches.delete(this.cwd);
    for (const p of this.queue.splice(0)) p.reject(this.failed);
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as Readable & { ref?: () => void }).ref?.();
  }

  private idle(): void {
    this.child.unref();
    (this.child.stdout as Readable & { unref?: () => void }).unref?.();
    (this.child.stdin as Writable & { unref?: () => void }).unref?.();
  }
}

const batches = new Map<string, CatFile>();
/** Test suites open many repositories in one process: keep only the most recent few readers. */
const MAX_BATCHES = 4;

function batchFor(root: string): CatFile {
  let b = batches.get(root);
  if (b) return b;
  if (batches.size >= MAX_BATCHES) {
    const [oldest, reader] = batches.entries().next().value as [string, CatFile];
    batches.delete(oldest);
    reader.close();
  }
  batches.set(root, (b = new CatFile(root)));
  return b;
}

process.once('exit', () => {
  for (const b of batches.values()) b.close();
});

/** Forget the reader of `root` (after a write that `cat-file` may have cached a negative answer for). */
export function closeBatch(root: string): void {
  batches.get(root)?.close();
  batches.delete(root);
}

/**
 * The object `name` names (an id, or any revision expression Git accepts, e.g. `<commit>:<path>`,
 * `<rev>^{commit}`), with its content; null when there is none. An ambiguous abbreviation is
 * `E_NOT_FOUND`.
 */
export async function catObject(root: string, name: string): Promise<CatFileObject | null> {
  const a = await batchFor(root).ask('contents', name);
  if (a === 'ambiguous') throw ambiguous(name);
  return a === 'missing' ? null : { oid: a.oid, type: a.type, content: a.content! };
}

/** The id and type `name` names, without its content; null when there is none. */
export async function catInfo(root: string, name: string): Promise<{ oid: string; type: ObjectType } | null> {
  const a = await batchFor(root).ask('info', name);
  if (a === 'ambiguous') throw ambiguous(name);
  return a === 'missing' ? null : { oid: a.oid, type: a.type };
}

function ambiguous(name: string): ReproError {
  return new ReproError('E_NOT_FOUND', `ambiguous revision: '${name.replace(/\^\{commit\}$/, '')}'`, {
    hint: 'give more characters of the commit id',
  });
}
