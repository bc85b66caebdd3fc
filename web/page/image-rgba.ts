/**
 * Images as RGBA pixels for a canvas, gray (R = G = B) or in colour (R, G, B), read through
 * one accessor so one loop serves both layouts the page meets: channel planes (C×H×W, the
 * data's images and a network's input: planesRgba) and channels last (H×W×C, the engine's
 * layout: augmented images, max-pooled colour: channelsLastRgba). Values are bytes 0–255;
 * the clamped array rounds and clamps them. An image of neither 1 nor 3 channels draws its
 * first channel in gray.
 */

/** RGBA of P pixels whose channel c at pixel p is at(p, c). */
export function imageRgba(P: number, channels: number, at: (p: number, c: number) => number): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(4 * P);
  const colour = channels === 3;
  for (let p = 0; p < P; p++) {
    const first = at(p, 0);
    rgba[4 * p] = first;
    rgba[4 * p + 1] = colour ? at(p, 1) : first;
    rgba[4 * p + 2] = colour ? at(p, 2) : first;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** RGBA of an image of P pixels stored as channel planes (C×H×W). */
export const planesRgba = (pixels: ArrayLike<number>, channels: number, P: number) => imageRgba(P, channels, (p, c) => pixels[c * P + p]);

/** RGBA of an image of P pixels stored channels last (H×W×C). */
export const channelsLastRgba = (pixels: ArrayLike<number>, channels: number, P: number) => imageRgba(P, channels, (p, c) => pixels[p * channels + c]);

/** A new canvas of width × height pixels showing `rgba`; CSS scales it up. */
export function rgbaCanvas(rgba: Uint8ClampedArray<ArrayBuffer>, height: number, width: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}
