/**
 * Only the latest request: at most one request is out to the worker at a time, and whatever
 * is asked while it is out becomes one request sent when it answers, built from the page as
 * it is by then. Input that changes faster than the worker answers (pen strokes, a form's
 * fields) never queues stale work, and the last change is always the one shown.
 */
export class LatestRequest {
  private out = false;
  private waiting = false;

  /** `issue` sends the request for the page as it is now, or returns false when there is nothing to send. */
  constructor(private readonly issue: () => boolean) {}

  request(): void {
    if (this.out) {
      this.waiting = true;
      return;
    }
    this.out = this.issue();
  }

  /** The request out has been answered (or failed): send the one that waited for it, if any. */
  answered(): void {
    this.out = false;
    if (this.waiting) {
      this.waiting = false;
      this.request();
    }
  }
}
