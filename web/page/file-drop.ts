/** Files dropped anywhere on the page, with an overlay saying what a drop will do while something is dragged over it. */
export function acceptDroppedFiles(overlay: HTMLElement, onFiles: (files: File[]) => void): void {
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    overlay.hidden = false;
  });
  document.addEventListener('dragleave', (e) => {
    // relatedTarget is null only when the drag leaves the window.
    if (e.relatedTarget === null) overlay.hidden = true;
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    overlay.hidden = true;
    onFiles([...(e.dataTransfer?.files ?? [])]);
  });
}
