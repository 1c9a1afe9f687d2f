import cliProgress from 'cli-progress';
import type { TrainProgress } from '@pff/trainer';

export interface ProgressBar {
  update(progress: TrainProgress): void;
  /** A line above the bar (or just a line, when stderr is not a terminal). */
  log(line: string): void;
  stop(): void;
}

/**
 * A live bar on stderr: epoch, layer, loss, samples/s and ETA. cli-progress draws
 * nothing when stderr is not a terminal, so logs and pipes stay clean.
 */
export function createProgressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'epoch {epochShown}/{epochs} |{bar}| {percentage}% | chapter {chapter}/{chapters} | {part} | loss {loss} | {sps} samples/s | ETA {eta_formatted}',
      barsize: 24,
      etaBuffer: 200,
      fps: 5,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = {
        epochShown: Math.min(p.epochs, Math.floor(p.epoch) + 1),
        epochs: p.epochs,
        chapter: p.chapter,
        chapters: p.chapters,
        part: p.layer < 0 ? 'softmax head' : `layer ${p.layer + 1}/${p.layers}`,
        loss: p.loss.toFixed(4),
        sps: Math.round(p.samplesPerSecond),
      };
      if (!started) {
        bar.start(p.totalSteps, p.step, payload);
        started = true;
      } else {
        bar.update(p.step, payload);
      }
    },
    log(line) {
      // Clear the bar, print the line; the next update draws the bar again below it.
      if (started) bar.stop();
      started = false;
      stream.write(`${line}\n`);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
