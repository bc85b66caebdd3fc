/** A folder of synthetic 28×28 IDX files (learnable bands, test/helpers/splits.ts), for page tests that need no real MNIST. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzip, writeIdx } from '../../data/fixtures.ts';
import { syntheticSplit } from '../../helpers/splits.ts';

export async function syntheticIdxFolder(count: number): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'wgtrain-idx-'));
  const s = syntheticSplit(count, 11);
  const files = [join(dir, 'train-images-idx3-ubyte.gz'), join(dir, 'train-labels-idx1-ubyte')];
  await writeFile(files[0], gzip(writeIdx('u8', [s.count, s.rows, s.cols], s.images)));
  await writeFile(files[1], writeIdx('u8', [s.count], s.labels));
  return { dir, files };
}
