/**
 * Shared fixtures. CHAIN: two stages, `a` drops comment lines from in.txt (so a comment-only edit
 * leaves a.txt byte-identical) and `b` appends the param b.suffix.
 */
export const CHAIN = {
  'in.txt': '# a comment\nhello\n',
  'params.yaml': 'b:\n  suffix: one\n',
  'repro.yaml': `version: 1
stages:
  a:
    cmd: grep -v '^#' in.txt > a.txt
    deps: [in.txt]
    outs: [a.txt]
  b:
    cmd: "cat a.txt > b.txt && echo \${b.suffix} >> b.txt"
    deps: [a.txt]
    params: [b.suffix]
    outs: [b.txt]
`,
};
