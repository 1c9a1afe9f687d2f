/**
 * Resolves on the first SIGTERM or SIGINT (Kubernetes stops pods with SIGTERM); a second
 * signal while shutting down exits at once.
 */
export function onShutdownSignal(proc: NodeJS.Process, log: (line: string) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) {
        log(`${signal} again: exiting now`);
        proc.exit(130);
      }
      received = true;
      log(`${signal}: shutting down gracefully`);
      resolve(signal);
    };
    proc.on('SIGTERM', handler);
    proc.on('SIGINT', handler);
  });
}
