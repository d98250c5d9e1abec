import type { Command } from 'commander';
import { parseIntOpt } from './common.js';

/** The flags push, fetch and pull share: targets, remote, jobs and which revisions. */
export function transferFlags(cmd: Command): Command {
  return cmd
    .argument('[stages...]', "only these stages' outputs")
    .option('-r, --remote <name>', 'the remote to use (default: remote.default)')
    .option('-j, --jobs <n>', 'transfers in flight (default 16 for S3, 8 for a directory)', parseIntOpt('--jobs', { min: 1, max: 256 }))
    .option('-a, --all-branches', 'also the outputs recorded at every branch tip')
    .option('-T, --all-tags', 'also the outputs recorded at every tag')
    .option('-A, --all-commits', 'also the outputs recorded at every commit')
    .option('--run-cache', 'also the run cache (stage key → outputs), so another clone restores instead of re-running')
    .option('--git-remote <name>', 'the Git remote the run records (refs/repro/runs/*) go through (default: origin)')
    .option('--no-runs', 'leave the run records alone');
}

export interface TransferCliOpts {
  remote?: string;
  jobs?: number;
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  runCache?: boolean;
  gitRemote?: string;
  runs?: boolean;
  runsOnly?: boolean;
}

export function transferOpts(stages: string[], o: TransferCliOpts) {
  return {
    stages,
    remote: o.remote,
    jobs: o.jobs,
    branches: o.allBranches,
    tags: o.allTags,
    allCommits: o.allCommits,
    runCache: o.runCache,
    gitRemote: o.gitRemote,
    runs: o.runs,
  };
}
