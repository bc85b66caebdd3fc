/** Values on a canvas, coloured as web/shared/heatmap.ts says. */
import { heatmapRgba } from '../shared/heatmap.ts';
import { rgbaCanvas } from './image-rgba.ts';

/** A canvas of width × height pixels showing `values`; CSS scales it up (pixelated). */
export function heatmapCanvas(values: ArrayLike<number>, height: number, width: number, signed: boolean, scale?: number): HTMLCanvasElement {
  return rgbaCanvas(heatmapRgba(values, signed, scale), height, width);
}
