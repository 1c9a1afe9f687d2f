import type { Command } from 'commander';
import { UsageError } from '../io.js';

const PENDING: ReadonlyArray<[string, string]> = [
  ['serve', 'the whole stack (API, scheduler, workers) in one command'],
  ['api', 'the experiments API'],
];

/**
 * The API roles of DESIGN.md are named already so `pff --help` shows the whole
 * surface, but they refuse to run until the API exists.
 */
export function addPendingCommands(program: Command): void {
  for (const [name, description] of PENDING) {
    program
      .command(name)
      .description(`${description} (not built yet)`)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new UsageError(`not yet: "pff ${name}" arrives with the experiments API`);
      });
  }
}
