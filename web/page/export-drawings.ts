/**
 * The own classes' drawings as a zip of an image folder, `<class>/<n>.png`, the layout
 * `wgtrain train --data DIR` reads as one class per folder. Each PNG is the 28×28 image the
 * network trains on (light strokes on black, as MNIST's digits), encoded by the browser.
 */
import { zipSync } from 'fflate';
import { exportPath, OWN_SIDE, type OwnExample } from '../shared/own-classes.ts';

async function pngBytes(pixels: Uint8Array): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(OWN_SIDE, OWN_SIDE);
  const image = new ImageData(OWN_SIDE, OWN_SIDE);
  pixels.forEach((v, i) => image.data.set([v, v, v, 255], 4 * i));
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Uint8Array(await blob.arrayBuffer());
}

/** The zip's bytes: every example under its class's folder, numbered from 1 in the order drawn. */
export async function drawingsZip(classNames: readonly string[], examples: readonly OwnExample[]): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const n = new Array<number>(classNames.length).fill(0);
  for (const e of examples) files[exportPath(classNames[e.label], ++n[e.label])] = await pngBytes(e.pixels);
  // PNG is compressed already: stored, not deflated again.
  return zipSync(files, { level: 0 });
}
