/** Progress on stderr: a bar on a terminal, plain throttled lines otherwise (logs, CI, pipes). */
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

export function progressReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }, title: string, unit: 'bytes' | 'items' = 'items'): ProgressReporter {
  const fmt = (n: number) => (unit === 'bytes' ? `${(n / 2 ** 20).toFixed(1)} MiB` : String(n));
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: `${title} {bar} {percentage}% | {doneFmt}/{totalFmt} {label} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update(done, total, label = '') {
        if (!started) {
          bar.start(total, 0, { doneFmt: fmt(0), totalFmt: fmt(total), label });
          started = true;
        }
        bar.setTotal(total);
        bar.update(done, { doneFmt: fmt(done), totalFmt: fmt(total), label });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(done, total, label = '') {
      const now = Date.now();
      if (now - last < 1000 && done < total) return;
      last = now;
      stream.write(`${title} ${label} ${fmt(done)}/${fmt(total)} (${total ? Math.floor((100 * done) / total) : 100}%)\n`);
    },
    stop() {},
  };
}
