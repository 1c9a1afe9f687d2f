export { runCli } from './run-cli.js';
export type { CliIo } from './io.js';
export { withEveryCore } from './commands/train.js';
