/** Gray and colour images as RGBA (web/page/image-rgba.ts): channel planes (C×H×W) and channels last (H×W×C) alike. */
import { describe, expect, it } from 'vitest';
import { channelsLastRgba, imageRgba, planesRgba } from '../../../web/page/image-rgba.ts';

describe('image RGBA', () => {
  it('draws R, G and B planes (C×H×W) as colour pixels', () => {
    const planes = Uint8Array.from([10, 11, 20, 21, 30, 31]); // 2 pixels: R 10, 11; G 20, 21; B 30, 31
    expect([...planesRgba(planes, 3, 2)]).toEqual([10, 20, 30, 255, 11, 21, 31, 255]);
  });

  it('draws channels-last pixels (H×W×C) as the same colour pixels', () => {
    const last = Uint8Array.from([10, 20, 30, 11, 21, 31]);
    expect(channelsLastRgba(last, 3, 2)).toEqual(planesRgba(Uint8Array.from([10, 11, 20, 21, 30, 31]), 3, 2));
  });

  it('draws one channel gray, and of any other count the first channel', () => {
    expect([...planesRgba(Uint8Array.from([0, 200]), 1, 2)]).toEqual([0, 0, 0, 255, 200, 200, 200, 255]);
    expect([...planesRgba(Uint8Array.from([7, 8, 90, 91]), 2, 2)]).toEqual([7, 7, 7, 255, 8, 8, 8, 255]);
    expect([...channelsLastRgba(Uint8Array.from([7, 90, 8, 91]), 2, 2)]).toEqual([7, 7, 7, 255, 8, 8, 8, 255]);
  });

  it('rounds and clamps values to bytes', () => {
    expect([...imageRgba(1, 3, (_, c) => [-4, 127.6, 300][c])]).toEqual([0, 128, 255, 255]);
  });
});
