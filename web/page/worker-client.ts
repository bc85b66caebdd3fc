/** The page's side of a training worker: typed messages both ways. */
import type { FromWorker, ToWorker } from '../shared/worker-protocol.ts';

export class WorkerClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<(m: FromWorker) => void>();

  constructor(name: string) {
    this.worker = new Worker(new URL('../worker/train-worker.ts', import.meta.url), { type: 'module', name });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.listeners.forEach((l) => l(e.data));
    this.worker.onerror = (e) => {
      e.preventDefault();
      const message = `The ${name} worker failed to start or crashed: ${e.message || 'no message'}. Reload the page to try again.`;
      this.listeners.forEach((l) => l({ type: 'error', context: 'train', message }));
    };
  }

  send(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  on(listener: (m: FromWorker) => void): void {
    this.listeners.add(listener);
  }

  terminate(): void {
    this.worker.terminate();
    this.listeners.clear();
  }
}
