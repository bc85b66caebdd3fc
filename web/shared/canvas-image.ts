/**
 * An image read back as RGBA bytes through a 2D canvas, at its own size or resized: the one
 * resizing path of the page, for the data's images (web/worker/read-data.ts) and for an image
 * classified at a network's input size (web/page/network-input.ts). The browser resamples
 * (drawImage with imageSmoothingQuality 'high'); the CLI resizes with jimp
 * (src/data/image-decode.node.ts), so the same image resized by both differs in the last bits.
 */

type Context2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

/**
 * `image` (width × height) drawn on `ctx`'s canvas at rows × cols, exactly as drawn (no
 * smoothing at its own size), and read back: rows × cols × 4 bytes, row-major.
 */
export function canvasRgba(ctx: Context2D, image: CanvasImageSource, width: number, height: number, rows = height, cols = width): Uint8Array {
  const canvas = ctx.canvas;
  if (canvas.width !== cols || canvas.height !== rows) [canvas.width, canvas.height] = [cols, rows];
  else ctx.clearRect(0, 0, cols, rows);
  // Resizing the canvas resets its state: the smoothing is set for every draw.
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  if (rows === height && cols === width) ctx.drawImage(image, 0, 0);
  else ctx.drawImage(image, 0, 0, width, height, 0, 0, cols, rows);
  const { data } = ctx.getImageData(0, 0, cols, rows);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
