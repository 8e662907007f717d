import type { PreprocessSpec } from '@modelhub/core';
import type { InputAxis } from '@modelhub/vision';

/** Runs the model once on zeros of `dims` (without batch) and returns the dims of `tensors`. */
export type ProbeRun = (dims: readonly number[]) => Promise<Map<string, number[]>>;

/** The probe results: each tensor's dims at the base size, and which axes follow the input. */
export interface TracedAxes {
  readonly dims: ReadonlyMap<string, number[]>;
  /** Per tensor, per axis: the input axis whose size it follows; undefined when none could be probed. */
  readonly traced: ReadonlyMap<string, ReadonlyArray<InputAxis | undefined>> | undefined;
}

/** A second size for a free input axis: about half (a multiple of 32), or double when small. */
function otherSize(size: number): number {
  return size >= 64 ? Math.round(size / 64) * 32 : size * 2;
}

/**
 * Finds which axes of the tapped tensors follow the image height and width: one probe at the
 * base size, then one more per free input axis (a symbolic height or width) with only that axis
 * changed; an axis whose length changes with it follows it. Fixed-size inputs cannot be probed
 * at another size, so `traced` is then undefined.
 */
export async function traceInputAxes(
  run: ProbeRun,
  base: readonly number[],
  layout: PreprocessSpec['layout'],
  free: { readonly height: boolean; readonly width: boolean },
  tensors: readonly string[],
): Promise<TracedAxes> {
  const dims = await run(base);
  if (!free.height && !free.width) {
    return { dims, traced: undefined };
  }
  const traced = new Map<string, Array<InputAxis | undefined>>(
    tensors.map((t) => [t, (dims.get(t) ?? []).map(() => undefined)]),
  );
  const axisIndex = { height: layout === 'NCHW' ? 1 : 0, width: layout === 'NCHW' ? 2 : 1 };
  for (const input of ['height', 'width'] as const) {
    if (!free[input]) {
      continue;
    }
    const changed = [...base];
    changed[axisIndex[input]] = otherSize(base[axisIndex[input]] ?? 1);
    const other = await run(changed);
    for (const t of tensors) {
      const a = dims.get(t) ?? [];
      const b = other.get(t) ?? [];
      const axes = traced.get(t) ?? [];
      a.forEach((length, i) => {
        if (i > 0 && b[i] !== length && axes[i] === undefined) {
          axes[i] = input;
        }
      });
    }
  }
  return { dims, traced };
}
