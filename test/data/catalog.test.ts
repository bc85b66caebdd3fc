import { describe, expect, it } from 'vitest';
import { CATALOG, CATALOG_NAMES, catalogEntry, knownEntry } from '../../src/data/catalog.ts';

const CLASSES: Record<string, number> = { mnist: 10, 'fashion-mnist': 10, kmnist: 10, 'emnist-letters': 26, 'emnist-digits': 10, cifar10: 10 };

describe('the named data sets', () => {
  it('are the six of issue 19, each name once', () => {
    expect(CATALOG_NAMES).toEqual(Object.keys(CLASSES));
  });

  for (const entry of CATALOG) {
    it(`${entry.name}: every file has a checksum of the right length and a size, mirrors end in /, one name per class`, () => {
      for (const f of entry.files) {
        if (entry.name === 'mnist') expect(f.md5).toMatch(/^[0-9a-f]{32}$/);
        else expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(f.size).toBeGreaterThan(0);
      }
      expect(entry.mirrors.length).toBeGreaterThan(0);
      for (const m of entry.mirrors) expect(m).toMatch(/^https?:\/\/.+\/$/);
      expect(entry.classNames).toHaveLength(CLASSES[entry.name]);
      expect(new Set(entry.classNames).size).toBe(entry.classNames.length);
      expect(entry.checksumSource).toMatch(/^(SHA-256|MD5): /);
    });
  }

  it('have their published checksums (spot checks against the sources named in catalog.ts)', () => {
    expect(knownEntry('cifar10').files[0]).toEqual({
      name: 'cifar-10-binary.tar.gz', sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd', size: 170_052_171,
    });
    expect(knownEntry('emnist-letters').files).toEqual(knownEntry('emnist-digits').files);
    expect(knownEntry('emnist-letters').files[0].size).toBe(561_753_746);
    expect(knownEntry('fashion-mnist').files[0].sha256).toBe('3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84');
    expect(knownEntry('kmnist').files[1].sha256).toBe('e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17');
  });

  it('look up by exact name only, and an unknown one lists the known', () => {
    expect(catalogEntry('CIFAR10')).toBeUndefined();
    expect(() => knownEntry('svhn')).toThrow('"svhn" is not a named data set; wgtrain knows mnist, fashion-mnist, kmnist, emnist-letters, emnist-digits, cifar10');
  });
});
