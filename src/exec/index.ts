/**
 * Running processes: stage commands (`runStage`) and short probes (`runTool`, `probe`).
 *
 * How to call: build the child's env yourself, pass an AbortSignal that your SIGINT/SIGTERM
 * handler aborts, and redact `stderrTail` before storing it. `killAll()` is the fallback for a
 * handler without the signal at hand.
 */
export { failureText, runStage, type StageRunOptions, type StageRunResult } from './stage.js';
export { prepareShells, spawnerInUse } from './spawner.js';
export { runTool, probe, type ToolResult, type ToolOptions } from './tool.js';
export { killAll, KILL_GRACE_MS } from './groups.js';
