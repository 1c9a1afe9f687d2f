import { Command, CommanderError } from 'commander';
import { InvalidSpecError } from '@pff/contracts';
import { ConfigError } from '@pff/config';
import { DatasetError } from '@pff/datasets';
import { ModelFileError } from '@pff/model-io';
import { BrokerUnreachableError } from '@pff/transport';
import { addBenchCommand } from './commands/bench.js';
import { addEvalCommand } from './commands/eval.js';
import { addRoleCommands } from './commands/roles.js';
import { addTrainCommand } from './commands/train.js';
import { badBrokerUrlMessage, unknownSettingWarnings } from './config-problems.js';
import { UsageError, type CliIo } from './io.js';

/**
 * Runs `pff <args>` and resolves to the exit code: 0 done, 1 failed, 2 bad usage or
 * input. Errors the user can fix print one line that names the problem, no stack.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('pff')
    .description('Pipeline Forward-Forward: train networks with the Forward-Forward algorithm')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run pff --help for usage)');
  addTrainCommand(program, io);
  addEvalCommand(program, io);
  addBenchCommand(program, io);
  addRoleCommands(program, io);
  program.commands.forEach((c) => c.exitOverride());
  for (const warning of unknownSettingWarnings(io.env)) io.stderr.write(`pff: warning: ${warning}\n`);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof InvalidSpecError) {
      io.stderr.write(`pff: --${kebab(err.field)}: ${err.message.replace(`${err.field}: `, '')}\n`);
      return 2;
    }
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof DatasetError || err instanceof ModelFileError) {
      io.stderr.write(`pff: ${err.message}\n`);
      return 2;
    }
    const badUrl = badBrokerUrlMessage(err, args, io.env);
    if (badUrl) {
      io.stderr.write(`pff: ${badUrl}\n`);
      return 2;
    }
    if (err instanceof BrokerUnreachableError) {
      io.stderr.write(`pff: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`pff: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

function kebab(field: string): string {
  return field.replace(/\.\d+$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
