import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ReproError } from '../../core/errors.js';

/**
 * The variations of `verify --vary` (docs/verify.md): what each changes against the reference
 * re-run, and the hint a stage that changes under it gets. Each is applied to one isolated re-run
 * of the selected stages; everything else stays as the reference has it.
 */

export const VARIATIONS = ['seed', 'time', 'tz', 'locale', 'threads', 'order', 'umask', 'path', 'host'] as const;
export type VariationName = (typeof VARIATIONS)[number];

export interface Variation {
  name: VariationName;
  /** In words, for the report: "TZ=RPV-13:45". */
  what: string;
  /** Environment changes (undefined deletes). */
  env?: Record<string, string | undefined>;
  /** A seeded stage gets its recorded seed plus this. */
  seedShift?: number;
  /** Each command string rewritten (umask, hostname). */
  wrap?: (cmd: string) => string;
  /** Re-create each dep directory in reverse creation order before the stage runs. */
  reorder?: boolean;
  /** Run from a directory of another name (and depth). */
  otherPath?: boolean;
}

export const HINTS: Record<VariationName | 'unstable', string> = {
  seed: 'outputs follow REPRO_SEED: expected for a training stage (the seed is part of the key); run --seeds for its spread',
  time: 'the wall clock reaches the output: use SOURCE_DATE_EPOCH, which every stage receives (date -d @$SOURCE_DATE_EPOCH, gzip -n, tar --sort=name --mtime=@$SOURCE_DATE_EPOCH)',
  tz: 'the time zone reaches the output: format times in UTC (date -u, TZ=UTC in the command)',
  locale: 'the locale reaches the output: sort and format with LC_ALL=C (LC_ALL=C sort), or capture LC_* in env.capture',
  threads:
    'the thread count reaches the output: set it in the command (OMP_NUM_THREADS=1 ...) and capture it in env.capture (OMP_NUM_THREADS, MKL_NUM_THREADS, OPENBLAS_NUM_THREADS)',
  order:
    'the order files were created in reaches the output: sort directory listings (sorted(os.listdir(d)), LC_ALL=C sort, tar --sort=name)',
  umask: 'file modes reach the output: set them explicitly (chmod, tar --mode=go-w --owner=0 --group=0 --numeric-owner)',
  path: 'the absolute path reaches the output: write paths relative to the stage directory',
  host: 'the host name reaches the output: leave it out, or capture it in env.capture so the key says so',
  unstable:
    'it differs from the record with everything as recorded: seed every random source from REPRO_SEED (random.seed(int(os.environ["REPRO_SEED"]))), fix thread counts, or declare deterministic: false with a tolerance',
};

const THREAD_VARS = ['OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'NUMEXPR_NUM_THREADS'];
/** A POSIX TZ string (no tzdata needed): 13:45 east of UTC, far from every real zone's neighbours. */
const OTHER_TZ = 'RPV-13:45';
const OTHER_HOST = 'repro-vary-host';

export function parseVaryList(list: string[] | undefined): VariationName[] {
  if (!list || list.length === 0) return [...VARIATIONS];
  const names = list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(VARIATIONS as readonly string[]).includes(n)) {
      throw new ReproError('E_USAGE', `unknown variation: '${n}'`, { hint: `variations: ${VARIATIONS.join(', ')}` });
    }
  }
  return VARIATIONS.filter((v) => names.includes(v));
}

/** The variations to run, and a notice for each one that cannot be on this machine. */
export function planVariations(
  names: VariationName[],
  env: NodeJS.ProcessEnv,
): { plan: Variation[]; skipped: { variation: VariationName; reason: string }[] } {
  const plan: Variation[] = [];
  const skipped: { variation: VariationName; reason: string }[] = [];
  for (const name of names) {
    const v = variation(name, env);
    if (typeof v === 'string') skipped.push({ variation: name, reason: v });
    else plan.push(v);
  }
  return { plan, skipped };
}

function variation(name: VariationName, env: NodeJS.ProcessEnv): Variation | string {
  switch (name) {
    case 'seed':
      return { name, what: 'REPRO_SEED = recorded seed + 1', seedShift: 1 };
    case 'time':
      // The wall clock moves; SOURCE_DATE_EPOCH stays as recorded: it is part of what the stage
      // recorded, and a stage that honours it (date -d @$SOURCE_DATE_EPOCH, tar --mtime) is the
      // fixed, reproducible case, which a shifted value would flag as time-dependent.
      return { name, what: 'a later wall clock (SOURCE_DATE_EPOCH as recorded)' };
    case 'tz':
      return { name, what: `TZ=${env.TZ === OTHER_TZ ? 'UTC' : OTHER_TZ}`, env: { TZ: env.TZ === OTHER_TZ ? 'UTC' : OTHER_TZ } };
    case 'locale': {
      const current = env.LC_ALL || env.LANG || 'C';
      const other = otherLocale(env, current);
      if (!other) return 'no locale but C/POSIX is installed (generate one: localedef -i en_US -f UTF-8 en_US.UTF-8)';
      return { name, what: `LC_ALL=LANG=${other}`, env: { LC_ALL: other, LANG: other } };
    }
    case 'threads': {
      const n = availableParallelism();
      const value = env.OMP_NUM_THREADS === '1' ? String(n) : '1';
      if (value === env.OMP_NUM_THREADS) return 'this machine has one CPU: no other thread count to try';
      return {
        name,
        what: `${THREAD_VARS.map((k) => k.replace('_NUM_THREADS', '')).join('/')}_NUM_THREADS=${value}`,
        env: Object.fromEntries(THREAD_VARS.map((k) => [k, value])),
      };
    }
    case 'order':
      return { name, what: 'dep directories re-created in reverse order', reorder: true };
    case 'umask':
      return { name, what: 'umask 0077', wrap: (c) => `umask 0077\n${c}` };
    case 'path':
      return { name, what: 'run from a directory of another name', otherPath: true };
    case 'host': {
      const uts = unshareWorks();
      const wrap = uts
        ? (c: string) =>
            `unshare --uts --map-root-user sh -c 'hostname ${OTHER_HOST} && exec sh -c "$1"' sh ${shQuote(c.includes('\n') ? `set -e\n${c}` : c)}`
        : undefined;
      return {
        name,
        what: `HOSTNAME=${OTHER_HOST}${uts ? ' and hostname (unshare --uts)' : ' (hostname itself not varied: unshare --uts not available)'}`,
        env: { HOSTNAME: OTHER_HOST },
        wrap,
      };
    }
  }
}

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A locale other than `current`: from `locale -a`, then from the directories of LOCPATH. */
function otherLocale(env: NodeJS.ProcessEnv, current: string): string | null {
  const names: string[] = [];
  try {
    names.push(
      ...execFileSync('locale', ['-a'], { env, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .split('\n'),
    );
  } catch {
    // no `locale` program: LOCPATH only
  }
  for (const dir of (env.LOCPATH ?? '').split(':').filter(Boolean)) {
    try {
      names.push(...readdirSync(dir));
    } catch {
      // a LOCPATH entry that is not there
    }
  }
  const plain = (l: string): string => l.toLowerCase().replace(/[-_.]/g, '');
  const usable = names.map((n) => n.trim()).filter((n) => n && !/^(c|posix)([._@]|$)/i.test(n) && plain(n) !== plain(current));
  return usable.sort((a, b) => Number(!/en_US/.test(a)) - Number(!/en_US/.test(b)) || a.localeCompare(b))[0] ?? null;
}

let unshareOk: boolean | undefined;
function unshareWorks(): boolean {
  if (unshareOk !== undefined) return unshareOk;
  try {
    execFileSync('unshare', ['--uts', '--map-root-user', 'sh', '-c', `hostname ${OTHER_HOST}`], { stdio: 'ignore', timeout: 5000 });
    unshareOk = true;
  } catch {
    unshareOk = false;
  }
  return unshareOk;
}
