/** A child process a spec started and waits on: what it printed, and the moment it printed a given line. */
import type { ChildProcess } from 'node:child_process';

/**
 * Collects `child`'s stdout and stderr together, and resolves with a reader of everything it printed (then and
 * after) once that includes `text`. Rejects, naming `what` and showing the output, when the child exits first or
 * `ms` pass.
 */
export function printed(child: ChildProcess, text: string, what: string, ms: number): Promise<() => string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not print ${JSON.stringify(text)} within ${ms / 1000} s: ${output}`)), ms);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve(() => output);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before printing ${JSON.stringify(text)}: ${output}`));
    });
  });
}
