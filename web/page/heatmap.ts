/** Values on a canvas, coloured as web/shared/heatmap.ts says. */
import { heatmapRgba } from '../shared/heatmap.ts';

/** A canvas of width × height pixels showing `values`; CSS scales it up (pixelated). */
export function heatmapCanvas(values: ArrayLike<number>, height: number, width: number, signed: boolean, scale?: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(heatmapRgba(values, signed, scale), width, height), 0, 0);
  return canvas;
}
