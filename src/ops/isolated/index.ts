// The public face of ops/isolated/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { type IsolatedEvent } from './engine.js';
