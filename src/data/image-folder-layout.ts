// The layout rules of an image folder, as torchvision's ImageFolder reads one:
// ROOT/<class name>/… (images at any depth below the class folder), or ROOT/train/<class>/…
// with an optional ROOT/test/<class>/… test set. Class names are the folder names, sorted;
// each image's label is its folder's index. Pure, over '/'-separated paths relative to ROOT,
// so the CLI (image-folder.node.ts, from the disk) and the page (web/worker/image-data.ts,
// from a picked or dropped folder or a zip) cannot disagree on what a folder holds.

/** Labels are one byte (Split.labels). */
export const MAX_CLASSES = 256;

/** The image file types read (by extension, case-insensitive). */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp'] as const;

export const isImageFile = (name: string): boolean => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** One image of a split: its path relative to the root and its class's index. */
export interface LayoutSample {
  path: string;
  label: number;
}

export interface FolderLayout {
  classes: string[];
  train: LayoutSample[];
  /** From ROOT/test/ when ROOT/train/ has a sibling test/ folder. */
  test?: LayoutSample[];
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const hidden = (path: string) => path.split('/').some((part) => part.startsWith('.'));

/** The folder tree: each folder's sub-folders and image files, from every path in it. */
class Tree {
  private children = new Map<string, Set<string>>();
  readonly images = new Map<string, string[]>();

  constructor(files: readonly string[], dirs: readonly string[]) {
    for (const d of dirs) if (!hidden(d)) this.addDir(d);
    for (const f of files) {
      const cut = f.lastIndexOf('/');
      if (hidden(f) || cut < 0) continue; // a file at the root belongs to no class
      const dir = f.slice(0, cut);
      this.addDir(dir); // a folder of other files is still a (then empty) class folder
      if (!isImageFile(f)) continue;
      const list = this.images.get(dir) ?? [];
      list.push(f);
      this.images.set(dir, list);
    }
  }

  private addDir(dir: string): void {
    const parts = dir.split('/').filter((p) => p !== '');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const set = this.children.get(parent) ?? new Set();
      set.add(parts[i]);
      this.children.set(parent, set);
    }
  }

  /** Sub-folders of `dir` ('' the root), sorted by name. */
  folders(dir: string): string[] {
    return [...(this.children.get(dir) ?? [])].sort(byName);
  }

  /** Image files anywhere below `dir`. */
  imagesBelow(dir: string): string[] {
    const out = [...(this.images.get(dir) ?? [])];
    for (const sub of this.folders(dir)) out.push(...this.imagesBelow(`${dir}/${sub}`));
    return out;
  }
}

const join = (root: string, ...parts: string[]) => [root, ...parts].filter((p) => p !== '').join('/');

/** The samples of one split folder (`dir` holds the class folders), labelled by `classes` (all of them when not given). */
function listSamples(tree: Tree, root: string, dir: string, classes?: string[]): { classes: string[]; samples: LayoutSample[] } {
  const folders = tree.folders(dir);
  const shown = join(root, dir);
  if (folders.length > MAX_CLASSES) {
    throw new Error(
      `${shown} has ${folders.length.toLocaleString('en-US')} class folders; wgtrain takes at most ${MAX_CLASSES} classes (labels are one byte). ` +
        `Pass the folder whose sub-folders are the classes (DIR/<class>/image.png)`,
    );
  }
  if (!classes && folders.length < 2) {
    throw new Error(
      `${shown} has ${folders.length === 0 ? 'no class folders' : `one class folder (${folders[0]})`}: an image folder holds one sub-folder of images per class, ` +
        `at least two (DIR/<class>/image.png, or DIR/train/<class>/… and DIR/test/<class>/…)`,
    );
  }
  const names = classes ?? folders;
  const samples: { path: string; label: number; name: string }[] = [];
  for (const folder of folders) {
    const label = names.indexOf(folder);
    const classDir = join(dir, folder);
    if (label < 0) {
      throw new Error(`${join(root, classDir)} is a class the training set does not have (its classes: ${names.join(', ')}); remove it or add it to the training set`);
    }
    const files = tree.imagesBelow(classDir).sort(byName);
    if (files.length === 0) {
      throw new Error(`class folder ${join(root, classDir)} holds no images (${IMAGE_EXTENSIONS.join(' ')}); add some or remove the folder`);
    }
    for (const path of files) samples.push({ path, label, name: path.slice(classDir.length + 1) });
  }
  // Across classes in file-name order, so that files named by index keep their order and
  // the validation images (the last ones) come from every class, not the last class only.
  samples.sort((a, b) => naturalOrder(a.name, b.name) || a.label - b.label);
  return { classes: names, samples: samples.map(({ path, label }) => ({ path, label })) };
}

/**
 * What an image folder holds: its classes and each split's images in order. `files` and
 * `dirs` are '/'-separated paths relative to the root (`dirs` may be left out: the files'
 * folders are found from their paths, but an empty class folder only from `dirs`); hidden
 * files and folders (a name starting with '.') are skipped, as are files that are not images.
 * Errors name paths as `root`/path.
 */
export function imageFolderLayout(root: string, files: readonly string[], dirs: readonly string[] = []): FolderLayout {
  const tree = new Tree(files, dirs);
  const top = tree.folders('');
  const split = top.includes('train');
  const train = listSamples(tree, root, split ? 'train' : '');
  const layout: FolderLayout = { classes: train.classes, train: train.samples };
  if (split && top.includes('test')) layout.test = listSamples(tree, root, 'test', train.classes).samples;
  return layout;
}

/**
 * The folder that holds the data, when everything lies in one folder that is not itself a
 * class or split folder (a picked folder's `webkitRelativePath`s all start with its name; a
 * zip often holds one folder): 'mine' for `mine/cat/1.png` and `mine/dog/2.png`, '' when
 * the paths start with the class (or train/test) folders. Hidden paths and a zip's
 * `__MACOSX/` do not count.
 */
export function commonFolder(paths: readonly string[]): string {
  let rest = paths.filter((p) => !hidden(p) && !p.startsWith('__MACOSX/'));
  let folder = '';
  for (;;) {
    const first = rest[0]?.split('/')[0];
    if (!first || first === 'train' || !rest.every((p) => p.startsWith(`${first}/`))) return folder;
    const below = rest.map((p) => p.slice(first.length + 1)).filter((p) => p !== '');
    // One class folder with images straight in it is a (wrong) data set, not a wrapper: imageFolderLayout says why.
    if (below.length === 0 || below.some((p) => !p.includes('/') && isImageFile(p))) return folder;
    folder = folder ? `${folder}/${first}` : first;
    rest = below;
  }
}
