// One pull-request comment, updated in place: the comment whose body starts with the marker
// `repro verify --md` writes first (src/report/verify/md.ts, VERIFY_MD_MARKER). `github` is
// actions/github-script's client or the small fetch-based one below (same calls), so a workflow
// can also call this from a github-script step.
export const MARKER = '<!-- repro-verify -->';

/** Create or update the report comment. Returns what it did: { action, id }. */
export async function upsertComment(github, { owner, repo, issue_number, body }) {
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const mine = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return { action: 'updated', id: mine.id };
  }
  const made = await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return { action: 'created', id: made.data.id };
}

/** The three REST calls upsertComment needs, over fetch (Node 20), shaped like octokit's. */
export function restClient(token, apiUrl = 'https://api.github.com') {
  const call = async (method, path, body) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'user-agent': 'repro-verify-action',
        'x-github-api-version': '2022-11-28',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`GitHub API ${method} ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return { data: await res.json() };
  };
  const listComments = ({ owner, repo, issue_number, per_page = 100, page = 1 }) =>
    call('GET', `/repos/${owner}/${repo}/issues/${issue_number}/comments?per_page=${per_page}&page=${page}`);
  return {
    rest: {
      issues: {
        listComments,
        updateComment: ({ owner, repo, comment_id, body }) => call('PATCH', `/repos/${owner}/${repo}/issues/comments/${comment_id}`, { body }),
        createComment: ({ owner, repo, issue_number, body }) => call('POST', `/repos/${owner}/${repo}/issues/${issue_number}/comments`, { body }),
      },
    },
    async paginate(fn, params) {
      const all = [];
      for (let page = 1; page < 100; page++) {
        const { data } = await fn({ ...params, page });
        all.push(...data);
        if (data.length < (params.per_page ?? 100)) break;
      }
      return all;
    },
  };
}
