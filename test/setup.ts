// Every test's Git commits get an identity, whatever the machine's global config says.
process.env.GIT_AUTHOR_NAME = 'repro test';
process.env.GIT_AUTHOR_EMAIL = 'test@repro.invalid';
process.env.GIT_COMMITTER_NAME = 'repro test';
process.env.GIT_COMMITTER_EMAIL = 'test@repro.invalid';
