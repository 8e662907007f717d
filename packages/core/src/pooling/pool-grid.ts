import { ModelhubError } from '../errors/modelhub-error.ts';
import type { FeatureTensor } from './pool-features.ts';

/** Bins of a grid pooling: `rows` along the first position axis, `cols` along the second. */
export interface GridSize {
  readonly rows: number;
  readonly cols: number;
}

/** How many leading positions of each axis are real (the rest is padding), per tensor row. */
export interface GridExtent {
  readonly rows: number;
  readonly cols: number;
}

/**
 * The positions `[start, end)` of bin `b` of `bins` equal bins over `real` positions: the adaptive
 * pooling rule (`start = ⌊b·real/bins⌋`, `end = ⌈(b+1)·real/bins⌉`), so every bin holds at least
 * one position even when there are fewer positions than bins. The fused export builds the same
 * bins with Floor and Ceil.
 */
export function gridBin(b: number, bins: number, real: number): readonly [number, number] {
  return [Math.floor((b * real) / bins), Math.ceil(((b + 1) * real) / bins)];
}

/**
 * Averages a channels-last feature map `[N, H, W, C]` over a `rows × cols` grid of bins laid over
 * each row's real extent (`extents[n]`; all of `H × W` without it), so the vector keeps where on
 * the image a feature fired, which a global average loses. Each vector holds `rows·cols·C` values,
 * bin by bin (row bin, then column bin), channels innermost. Sums are taken in float64.
 *
 * @throws ModelhubError `INVALID_ARGUMENT` for a tensor that is not rank 4, an empty grid, or an
 * extent outside the map.
 */
export function poolGrid(
  tensor: FeatureTensor,
  grid: GridSize,
  extents?: readonly GridExtent[],
): Float32Array[] {
  const { dims, data } = tensor;
  if (dims.length !== 4 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw invalid(`expected a channels-last map [N, H, W, C], got dims [${dims.join(', ')}]`);
  }
  if (!(Number.isInteger(grid.rows) && grid.rows > 0 && Number.isInteger(grid.cols) && grid.cols > 0)) {
    throw invalid(`a grid needs at least one row and one column of bins, got ${grid.rows}×${grid.cols}`);
  }
  const [n, height, width, channels] = dims as [number, number, number, number];
  if (data.length !== n * height * width * channels) {
    throw invalid(`a map of dims [${dims.join(', ')}] needs ${n * height * width * channels} values`);
  }
  if (extents !== undefined && extents.length !== n) {
    throw invalid(`${extents.length} extents for ${n} rows`);
  }
  const out: Float32Array[] = [];
  for (let r = 0; r < n; r++) {
    const extent = extents?.[r] ?? { rows: height, cols: width };
    if (extent.rows < 1 || extent.rows > height || extent.cols < 1 || extent.cols > width) {
      throw invalid(
        `row ${r}'s real extent ${extent.rows}×${extent.cols} is outside its ${height}×${width} map`,
      );
    }
    const vector = new Float32Array(grid.rows * grid.cols * channels);
    const sum = new Float64Array(channels);
    for (let gy = 0; gy < grid.rows; gy++) {
      const [y0, y1] = gridBin(gy, grid.rows, extent.rows);
      for (let gx = 0; gx < grid.cols; gx++) {
        const [x0, x1] = gridBin(gx, grid.cols, extent.cols);
        sum.fill(0);
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const base = ((r * height + y) * width + x) * channels;
            for (let c = 0; c < channels; c++) {
              sum[c] = (sum[c] as number) + (data[base + c] as number);
            }
          }
        }
        const count = (y1 - y0) * (x1 - x0);
        const at = (gy * grid.cols + gx) * channels;
        for (let c = 0; c < channels; c++) {
          vector[at + c] = (sum[c] as number) / count;
        }
      }
    }
    out.push(vector);
  }
  return out;
}

function invalid(message: string): ModelhubError {
  return new ModelhubError('INVALID_ARGUMENT', `Grid pooling: ${message}.`, {
    hint: 'Pass a channels-last map [N, H, W, C] and, optionally, one real extent per row.',
  });
}
