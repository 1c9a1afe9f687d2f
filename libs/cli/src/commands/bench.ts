import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function addBenchCommand(program: Command, io: CliIo): void {
  program
    .command('bench')
    .description('run the benchmark suite; writes JSON under bench/results/ and prints a table')
    .action(() => {
      io.stderr.write('bench: placeholder\n');
    });
}
