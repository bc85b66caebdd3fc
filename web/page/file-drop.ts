/** A picked or dropped file with its path: the name alone, or `folder/…/name` when it came inside a folder. */
interface PickedFile {
  file: File;
  path: string;
}

/** Files dropped or picked, with the folders they came in ('/'-separated paths; empty for loose files). */
export interface Picked {
  files: PickedFile[];
  dirs: string[];
}

/** Files of an `<input type=file>`: a folder picked (`webkitdirectory`) gives each file's path in it. */
export function pickedFiles(list: FileList | null): Picked {
  return { files: [...(list ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name })), dirs: [] };
}

/** Every file below a dropped folder (readEntries answers in batches: it is called until it returns none). */
async function walkEntry(entry: FileSystemEntry, path: string, into: Picked): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    into.files.push({ file, path });
    return;
  }
  into.dirs.push(path);
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walkEntry(child, `${path}/${child.name}`, into);
  }
}

/** What was dropped: folders walked (webkitGetAsEntry), loose files as they are. */
async function droppedFiles(transfer: DataTransfer | null): Promise<Picked> {
  const picked: Picked = { files: [], dirs: [] };
  if (!transfer) return picked;
  // The entries must be taken before the first await: the drop's DataTransfer empties after the event.
  const entries = [...transfer.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() ?? null : null));
  const files = [...transfer.files];
  if (!entries.some((e) => e?.isDirectory)) return { files: files.map((file) => ({ file, path: file.name })), dirs: [] };
  for (const entry of entries) if (entry) await walkEntry(entry, entry.name, picked);
  return picked;
}

/** Files (and folders) dropped anywhere on the page, with an overlay saying what a drop will do while something is dragged over it. */
export function acceptDroppedFiles(overlay: HTMLElement, onFiles: (picked: Picked) => void): void {
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
    void droppedFiles(e.dataTransfer).then(onFiles);
  });
}
