// Terminal progress bars for data set downloads: one bar per file on a TTY,
// and on anything else (CI logs, pipes) just one line per finished file.

import cliProgress from 'cli-progress';

export interface DownloadProgress {
  onProgress: (file: string, received: number, total?: number) => void;
  onFileDone: (file: string, bytes: number) => void;
  /** Finishes the bars; call it before printing anything else. */
  stop: () => void;
}

export function createDownloadProgress(stream: NodeJS.WriteStream = process.stdout): DownloadProgress {
  if (!stream.isTTY) {
    return {
      onProgress: () => {},
      onFileDone: (file, bytes) => stream.write(`downloaded ${file} (${formatBytes(bytes)})\n`),
      stop: () => {},
    };
  }

  const multibar = new cliProgress.MultiBar(
    {
      stream,
      format: '{file} |{bar}| {pct} {got} / {size}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      barsize: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const width = 26; // the longest MNIST file name

  const show = (file: string, received: number, total?: number) => {
    const payload = {
      file: file.padEnd(width),
      pct: total ? `${Math.floor((100 * received) / total)}%`.padStart(4) : '   ?',
      got: formatBytes(received),
      size: total !== undefined ? formatBytes(total) : '?',
    };
    let bar = bars.get(file);
    if (!bar) {
      bar = multibar.create(total ?? 0, received, payload);
      bars.set(file, bar);
    } else {
      if (total !== undefined && total !== bar.getTotal()) bar.setTotal(total);
      bar.update(received, payload);
    }
  };

  return {
    onProgress: show,
    onFileDone: (file, bytes) => show(file, bytes, bytes),
    stop: () => multibar.stop(),
  };
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}
