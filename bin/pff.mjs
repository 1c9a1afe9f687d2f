#!/usr/bin/env node
// The `pff` command. The sources are TypeScript run through tsx's loader; the
// process shell (exit code, streams, environment) lives here and nowhere else.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('@pff/cli');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  proc: process,
});
