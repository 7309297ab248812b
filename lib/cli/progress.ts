/**
 * A download's progress on a terminal (cli-progress, on stderr): bytes so far and in all, the rate and the
 * time left. Nothing at all when stderr is not a terminal (a script, a pipe, a log).
 */
import { SingleBar } from 'cli-progress';

/** The bytes received so far and, when the server said, in all (axios's download progress event). */
export interface Progress {
  loaded: number;
  total?: number | undefined;
}

export interface ProgressBar {
  update(progress: Progress): void;
  /** Ends the bar (the line stays, as the download's summary). */
  stop(): void;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1.5 MiB`. */
export function bytes(count: number): string {
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

const NONE: ProgressBar = { update: () => undefined, stop: () => undefined };

/** A progress bar for `label` on `stream` (stderr) when it is a terminal; otherwise one that shows nothing. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return NONE;
  const started = Date.now();
  let bar: SingleBar | undefined;
  let known: boolean | undefined;
  const payload = (progress: Progress) => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    return { received: bytes(progress.loaded), size: progress.total ? bytes(progress.total) : '?', rate: `${bytes(Math.round(progress.loaded / seconds))}/s` };
  };
  return {
    update(progress) {
      if (!bar) {
        known = progress.total !== undefined && progress.total > 0;
        bar = new SingleBar({
          stream,
          format: known
            ? `${label} [{bar}] {percentage}% | {received} / {size} | {rate} | ETA {eta_formatted}`
            : `${label} {received} | {rate}`,
          hideCursor: true,
          etaBuffer: 20,
          fps: 10,
        });
        bar.start(known ? progress.total! : 0, 0, payload(progress));
      }
      bar.update(known ? Math.min(progress.loaded, progress.total ?? progress.loaded) : 0, payload(progress));
    },
    stop() {
      bar?.stop();
    },
  };
}
