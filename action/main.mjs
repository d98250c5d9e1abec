// The repro GitHub Action's entry point, run by the runner's own Node 20 (`runs: using: node20`).
// Node built-ins only, so nothing is installed in the user's repository: repro itself is
// installed globally from the `install` input, or built from this action's own checkout
// (npm ci + npm pack there, then npm install -g of the tarball). Then, in the repository:
//   repro fetch --runs-only      the run records, through the Git remote
//   repro pull --no-runs         the data, from the cache remote (when one is configured)
//   repro verify --base origin/<base> [--rerun|--sample K] --md --junit [--vary ...]
// and the Markdown report goes to the job summary and to one pull-request comment.
// The action's exit code is verify's. docs/ci.md describes each input.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restClient, upsertComment } from './comment.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const input = (name, dflt = '') => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim() || dflt;
const log = (t) => process.stdout.write(`${t}\n`);

function run(cmd, args, opts = {}) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) throw new Error(`'${[cmd, ...args].join(' ')}' exited with ${code}`);
}

/** repro on PATH: from `install`, or built from this action's own checkout. */
function install() {
  const spec = input('install');
  if (spec === 'none') return;
  if (spec) return must('npm', ['install', '-g', '--no-audit', '--no-fund', spec]);
  const root = resolve(HERE, '..');
  const out = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'repro-pack-'));
  if (!existsSync(join(root, 'node_modules'))) must('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
  must('npm', ['pack', '--pack-destination', out], { cwd: root });
  const tgz = readdirSync(out).find((f) => f.endsWith('.tgz'));
  must('npm', ['install', '-g', '--no-audit', '--no-fund', join(out, tgz)]);
}

function outputs(values) {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  for (const [k, v] of Object.entries(values)) appendFileSync(file, `${k}=${v}\n`);
}

/** The pull request's number from the event payload, or null outside a pull request. */
function prNumber() {
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return null;
  const ev = JSON.parse(readFileSync(path, 'utf8'));
  return ev.pull_request?.number ?? ev.issue?.number ?? null;
}

async function main() {
  install();
  const cwd = resolve(process.env.GITHUB_WORKSPACE || '.', input('working-directory', '.'));
  const repro = (args) => run('repro', args, { cwd });

  repro(['fetch', '--runs-only']);
  const base = input('base');
  if (base) run('git', ['fetch', '--no-tags', '--quiet', 'origin', `+refs/heads/${base}:refs/remotes/origin/${base}`], { cwd });
  const remote = input('remote');
  if (remote !== 'none') {
    const list = spawnSync('repro', ['remote', 'list', '--json'], { cwd, encoding: 'utf8' });
    const cfg = list.status === 0 ? JSON.parse(list.stdout) : { default: null, remotes: [] };
    if (remote || cfg.default) {
      const code = repro(['pull', '--no-runs', ...(remote ? ['-r', remote] : [])]);
      if (code !== 0) log(`::warning::repro pull exited with ${code}; verify goes on with what is here`);
    } else log('no cache remote configured: verify without pulling (set the `remote` input or `repro remote add -d`)');
  }

  const md = input('md', 'repro-report.md');
  const junit = input('junit', 'repro-junit.xml');
  const args = ['verify', '--md', md, '--junit', junit];
  if (base) args.push('--base', `origin/${base}`);
  const rerun = input('rerun', 'false');
  const sample = input('sample');
  if (sample) args.push('--sample', sample);
  else if (rerun === 'true') args.push('--rerun');
  else if (rerun !== 'false') args.push('--rerun', ...rerun.split(/[\s,]+/).filter(Boolean));
  // Last: --vary takes the arguments that follow it (variation lists keep their commas).
  const vary = input('vary', 'false');
  if (vary === 'true') args.push('--vary');
  else if (vary !== 'false') args.push('--vary', ...vary.split(/\s+/).filter(Boolean));
  const code = repro(args);
  outputs({ 'exit-code': code, md, junit });

  const mdPath = resolve(cwd, md);
  if (existsSync(mdPath)) {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: slug, GITHUB_RUN_ID: id } = process.env;
    if (server && slug && id) appendFileSync(mdPath, `\nHTML report and JUnit: [this run's artifacts](${server}/${slug}/actions/runs/${id})\n`);
    const body = readFileSync(mdPath, 'utf8');
    if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, body + '\n');
    const issue = prNumber();
    const token = input('token');
    if (input('comment', 'true') === 'true' && issue && token) {
      const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '/').split('/');
      const gh = restClient(token, process.env.GITHUB_API_URL || 'https://api.github.com');
      try {
        const r = await upsertComment(gh, { owner, repo, issue_number: issue, body });
        log(`report comment ${r.action} (${r.id})`);
      } catch (e) {
        // A fork's pull request gets a read-only token: the report is still in the summary.
        log(`::warning::could not post the report comment: ${e.message}`);
      }
    }
  }
  process.exitCode = code;
}

main().catch((e) => {
  log(`::error::${e.message}`);
  process.exitCode = 2;
});
