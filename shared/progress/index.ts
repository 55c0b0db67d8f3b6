/**
 * Progress of a long step with a known total (a replay's records up to the captured end offsets),
 * printed as one line every `intervalMs` while it runs, so a long step is visibly alive. Lines go
 * to `write` (stderr for the CLIs: stdout carries their result). Nothing is printed for a step
 * shorter than one interval.
 */
export interface ProgressFigures {
  done: number;
  total: number;
  elapsedMs: number;
}

export function progressLine(label: string, unit: string, { done, total, elapsedMs }: ProgressFigures): string {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100;
  const rate = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
  const n = (x: number) => x.toLocaleString('en-US');
  return `${label}: progress ${n(done)} / ${n(total)} ${unit} (${pct.toFixed(1)}%), ${n(rate)} ${unit}/s`;
}

export interface Progress {
  /** Sets the figure done so far (cheap: called per record). */
  update(done: number): void;
  stop(): void;
}

export function startProgress(opts: {
  label: string;
  unit: string;
  total: number;
  write: (line: string) => void;
  intervalMs?: number;
  now?: () => number;
}): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  let done = 0;
  const timer = setInterval(() => opts.write(progressLine(opts.label, opts.unit, { done, total: opts.total, elapsedMs: now() - started })), opts.intervalMs ?? 2_000);
  // Never what keeps a process alive.
  timer.unref();
  return {
    update(value) {
      done = value;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
