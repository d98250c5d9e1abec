// The public face of ops/remote/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { CREDENTIALS, addRemote, modifyRemote, readRemotesConfig, removeRemote, setDefaultRemote } from './config.js';
export { fetch, type FetchReport } from './fetch.js';
export { pull } from './pull.js';
export { push } from './push.js';
export { type Progress } from './session.js';
export { fetchRunsOnly, pushRunsOnly, type RunsFetchReport, type RunsPushReport } from './refs.js';
export { availability, defaultRemote, type Availability } from './available.js';
export { prefetch } from './prefetch.js';
export { remoteRunCache, type RemoteRunCache } from './remote-runcache.js';
