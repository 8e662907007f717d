import { DataType } from '../model/fields.ts';
import type { FuseGraph, FuseMaskInput } from './fuse-graph.ts';

/** A grid view of a feature map, as the adapter pools it in JS (`poolGrid` of `@modelhub/core`). */
export interface FuseGridView {
  /** The map, rank 4. */
  readonly tensor: string;
  readonly channelAxis: number;
  /** Its row axis and its column axis. */
  readonly positions: readonly [number, number];
  readonly grid: { readonly rows: number; readonly cols: number };
  /** The view's weight once it is unit length (`joinViews`). */
  readonly weight: number;
  /** Lay the grid over the real part of each image only (the fused model takes `valid_size`). */
  readonly mask?: FuseMaskInput & {
    readonly axes: ReadonlyArray<{ readonly axis: number; readonly input: 'height' | 'width' }>;
  };
}

/**
 * `[N, L, bins]` weights that average `axis` of `tensor` into `bins` bins over each image's real
 * positions: bin `b` covers `[⌊b·k/bins⌋, ⌈(b+1)·k/bins⌉)` of the `k` real positions (`gridBin`),
 * each column sums to 1. `k` is the count of the axis mask, or the axis length when unmasked.
 */
function binWeights(graph: FuseGraph, view: FuseGridView, axis: number, bins: number): string {
  const masked = view.mask?.axes.find((a) => a.axis === axis);
  const maxPositions = view.mask?.maxPositions ?? 4096;
  const { ramp, length } = graph.ramp(view.tensor, axis, maxPositions);
  const real =
    masked === undefined || view.mask === undefined
      ? graph.node('Reshape', [
          graph.node('Cast', [length], { to: DataType.float }),
          graph.ints('shape', [1, 1, 1]),
        ])
      : graph.withAxes(
          'Unsqueeze',
          graph.withAxes('ReduceSum', graph.axisMask(view.tensor, axis, masked.input, view.mask), [1], {
            keepdims: 1,
          }),
          [2],
        ); // [N, 1, 1]
  const index = graph.node('Reshape', [
    graph.node('Sub', [ramp, graph.constant('one', [1], Float32Array.of(1))]),
    graph.ints('shape', [1, -1, 1]),
  ]); // [1, L, 1]
  const b = Float32Array.from({ length: bins }, (_, i) => i);
  const edge = (offset: number, op: 'Floor' | 'Ceil'): string =>
    graph.node(op, [
      graph.node('Div', [
        graph.node('Mul', [
          graph.constant(
            'bin',
            [1, 1, bins],
            b.map((x) => x + offset),
          ),
          real,
        ]),
        graph.constant('bins', [1], Float32Array.of(bins)),
      ]),
    ]); // [N, 1, bins]
  const start = edge(0, 'Floor');
  const end = edge(1, 'Ceil');
  const inside = graph.node(
    'Cast',
    [
      graph.node('And', [
        graph.node('Not', [graph.node('Less', [index, start])]),
        graph.node('Less', [index, end]),
      ]),
    ],
    { to: DataType.float },
  ); // [N, L, bins]
  const count = graph.withAxes('ReduceSum', inside, [1], { keepdims: 1 });
  return graph.node('Div', [inside, count]);
}

/**
 * Nodes that average the view's map on its grid: the map as `[N, C, H, W]`, then bin weights
 * along the columns and the rows by two MatMuls, then `[N, rows·cols·C]` bin by bin with the
 * channels innermost (the order `poolGrid` writes). Returns the output's name.
 */
export function gridViewNodes(graph: FuseGraph, view: FuseGridView): string {
  const [rowsAxis, colsAxis] = view.positions;
  const perm = [0, view.channelAxis, rowsAxis, colsAxis];
  const map = perm.every((a, i) => a === i) ? view.tensor : graph.node('Transpose', [view.tensor], { perm });
  const colWeights = graph.withAxes('Unsqueeze', binWeights(graph, view, colsAxis, view.grid.cols), [1]);
  const byCols = graph.node('MatMul', [map, colWeights]); // [N, C, H, cols]
  const rowWeights = graph.withAxes(
    'Unsqueeze',
    graph.node('Transpose', [binWeights(graph, view, rowsAxis, view.grid.rows)], { perm: [0, 2, 1] }),
    [1],
  ); // [N, 1, rows, H]
  const grid = graph.node('MatMul', [rowWeights, byCols]); // [N, C, rows, cols]
  return graph.node('Flatten', [graph.node('Transpose', [grid], { perm: [0, 2, 3, 1] })], { axis: 1 });
}

/**
 * Joins views as `joinViews` does: each `[N, d]` part scaled to unit length (its norm taken in
 * float64) and by its weight, then concatenated along the features.
 */
export function joinViewNodes(
  graph: FuseGraph,
  parts: ReadonlyArray<{ readonly values: string; readonly weight: number }>,
): string {
  const scaled = parts.map(({ values, weight }) => {
    const f64 = graph.node('Cast', [values], { to: DataType.double });
    const squares = graph.withAxes('ReduceSum', graph.node('Mul', [f64, f64]), [1], { keepdims: 1 });
    const norm = graph.node('Cast', [graph.node('Sqrt', [squares])], { to: DataType.float });
    const safe = graph.node('Max', [norm, graph.constant('tiny', [1], Float32Array.of(1e-30))]);
    const scale = graph.node('Div', [graph.constant('weight', [1], Float32Array.of(weight)), safe]);
    return graph.node('Mul', [values, scale]);
  });
  return graph.node('Concat', scaled, { axis: 1 });
}
