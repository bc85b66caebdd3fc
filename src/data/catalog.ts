// The data sets wgtrain knows by name (`wgtrain data NAME`, `--data NAME`): where each is
// published, the checksum and size of every file (and where that checksum was published),
// how the files are laid out, and the name of each class. Node and browser (data only).

/** One file to download, with what it must hash to. */
export interface RemoteFile {
  name: string;
  /** The file's SHA-256 in hex; checked instead of `md5` when given. */
  sha256?: string;
  /** The file's MD5 in hex, for files whose publisher gives no SHA-256. */
  md5?: string;
  /** Bytes, when known: a server announcing or sending more is cut off there. */
  size?: number;
}

/**
 * How a named data set's files hold it:
 * - `idx`: the four standard IDX files (`train-images-idx3-ubyte.gz` …), downloaded as they are;
 * - `emnist`: NIST's `gzip.zip`, holding every EMNIST split as IDX files with transposed images;
 * - `cifar10`: `cifar-10-binary.tar.gz`, holding the binary batches (`data_batch_1.bin` … `test_batch.bin`).
 */
type CatalogFormat = 'idx' | 'emnist' | 'cifar10';

export interface CatalogEntry {
  name: string;
  title: string;
  /** What the images show, for `wgtrain data` and the README. */
  description: string;
  format: CatalogFormat;
  /** What is downloaded; for `emnist` and `cifar10` one archive, unpacked afterwards. */
  files: readonly RemoteFile[];
  /** Tried in order; each serves the files under `<mirror><name>`. */
  mirrors: readonly string[];
  /** Where the checksums come from. */
  checksumSource: string;
  /** The folder under data/ the download is kept in (EMNIST's splits share one archive). */
  cacheDir: string;
  /** Label → class name. */
  classNames: readonly string[];
  /** For `emnist`: which split of the archive (`letters`, `digits`). */
  emnistSplit?: string;
  /** Folders a system package installs the IDX files in, used when there is no downloaded copy. */
  systemDirs?: readonly string[];
  /** Longest a file may take to download (the archives are large); default that of the downloader, 10 minutes. */
  deadlineMs?: number;
}

/** Four IDX files under the standard names. */
const idxFiles = (sha256: [string, string, string, string], sizes: [number, number, number, number]): RemoteFile[] =>
  ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(
    (name, i) => ({ name, sha256: sha256[i], size: sizes[i] }),
  );

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** NIST's archive of every EMNIST split, 536 MiB; both EMNIST entries download this one file into data/emnist/. */
const EMNIST_ARCHIVE: RemoteFile = {
  name: 'gzip.zip',
  // tensorflow/datasets url_checksums/emnist.txt (for the www.itl.nist.gov address of the same file); torchvision's MD5 is 58c8d27c78d21e728a6bc7b3cc06412e.
  sha256: 'fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e',
  size: 561_753_746,
};
const EMNIST_MIRRORS = ['https://biometrics.nist.gov/cs_links/EMNIST/', 'https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/'];
const EMNIST_DESCRIPTION = 'NIST Special Database 19 handwriting in MNIST form (28×28 grey); the download is NIST\'s 536 MiB gzip.zip of all EMNIST splits';

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'mnist',
    title: 'MNIST',
    description: 'handwritten digits, 28×28 grey, 60,000 training and 10,000 test images',
    format: 'idx',
    // The MD5s torchvision checks these files against (its datasets/mnist.py).
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', size: 9_912_422 },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432', size: 28_881 },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3', size: 1_648_877 },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c', size: 4_542 },
    ],
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'],
    checksumSource: 'MD5: torchvision datasets/mnist.py',
    cacheDir: 'mnist',
    classNames: DIGITS,
  },
  {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: "Zalando's clothing images, 28×28 grey, 60,000 training and 10,000 test images",
    format: 'idx',
    // SHA-256 and sizes: tensorflow/datasets url_checksums/fashion_mnist.txt (the S3 address below).
    files: idxFiles(
      [
        '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
        'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
        '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
        '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      ],
      [26_421_880, 29_515, 4_422_102, 5_148],
    ),
    // The S3 website endpoint serves plain HTTP only; the checksums guard both.
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/'],
    checksumSource: `SHA-256: tensorflow/datasets url_checksums/fashion_mnist.txt`,
    cacheDir: 'fashion-mnist',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    // Debian's dataset-fashion-mnist (recompressed: its .gz files differ from the published ones, so they are not checksummed).
    systemDirs: ['/usr/share/datasets/fashion-mnist'],
  },
  {
    name: 'kmnist',
    title: 'Kuzushiji-MNIST',
    description: 'cursive Japanese (kuzushiji) hiragana, one character per class, 28×28 grey, 60,000 training and 10,000 test images',
    format: 'idx',
    // SHA-256 and sizes: tensorflow/datasets url_checksums/kmnist.txt.
    files: idxFiles(
      [
        '51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4',
        'e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17',
        'edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5',
        '20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c',
      ],
      [18_165_135, 29_497, 3_041_136, 5_120],
    ),
    mirrors: ['https://codh.rois.ac.jp/kmnist/dataset/kmnist/', 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/'],
    checksumSource: 'SHA-256: tensorflow/datasets url_checksums/kmnist.txt',
    cacheDir: 'kmnist',
    // kmnist_classmap.csv: o, ki, su, tsu, na, ha, ma, ya, re, wo.
    classNames: ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'],
  },
  {
    name: 'emnist-letters',
    title: 'EMNIST Letters',
    description: `${EMNIST_DESCRIPTION}; letters: 124,800 training and 20,800 test images, upper and lower case merged into 26 classes (EMNIST's labels 1–26 become 0–25)`,
    format: 'emnist',
    files: [EMNIST_ARCHIVE],
    mirrors: EMNIST_MIRRORS,
    checksumSource: 'SHA-256: tensorflow/datasets url_checksums/emnist.txt',
    cacheDir: 'emnist',
    classNames: [...'abcdefghijklmnopqrstuvwxyz'],
    emnistSplit: 'letters',
    deadlineMs: 3_600_000,
  },
  {
    name: 'emnist-digits',
    title: 'EMNIST Digits',
    description: `${EMNIST_DESCRIPTION}; digits: 240,000 training and 40,000 test images`,
    format: 'emnist',
    files: [EMNIST_ARCHIVE],
    mirrors: EMNIST_MIRRORS,
    checksumSource: 'SHA-256: tensorflow/datasets url_checksums/emnist.txt',
    cacheDir: 'emnist',
    classNames: DIGITS,
    emnistSplit: 'digits',
    deadlineMs: 3_600_000,
  },
  {
    name: 'cifar10',
    title: 'CIFAR-10',
    description: 'colour photographs, 32×32 RGB, 50,000 training and 10,000 test images; the download is the 162 MiB cifar-10-binary.tar.gz',
    format: 'cifar10',
    files: [
      // tensorflow/datasets url_checksums/cifar10.txt.
      { name: 'cifar-10-binary.tar.gz', sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd', size: 170_052_171 },
    ],
    mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    checksumSource: 'SHA-256: tensorflow/datasets url_checksums/cifar10.txt',
    cacheDir: 'cifar10',
    // batches.meta.txt in the archive.
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    deadlineMs: 1_800_000,
  },
];

export const CATALOG_NAMES = CATALOG.map((e) => e.name);

/** The entry called `name`, if any. */
export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.name === name);
}

/** The entry called `name`, which must exist. */
export function knownEntry(name: string): CatalogEntry {
  const entry = catalogEntry(name);
  if (!entry) throw new Error(`"${name}" is not a named data set; wgtrain knows ${CATALOG_NAMES.join(', ')}`);
  return entry;
}
