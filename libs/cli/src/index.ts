export { runCli } from './run-cli.js';
export type { CliIo } from './io.js';
