import { ModelhubError } from '../errors/modelhub-error.ts';
import type { FeatureTap } from '../manifest/head-manifest.ts';

/**
 * The grid views a tap joins, for one line of text: empty without views, else e.g.
 * ` + p2o.Add.231 on a 3×4 grid (weight 0.7)`, to append after the tap's own description.
 */
export function describeViews(tap: Pick<FeatureTap, 'views'>): string {
  return (tap.views ?? [])
    .map((v) => ` + ${v.tensor} on a ${v.grid.rows}×${v.grid.cols} grid (weight ${v.weight})`)
    .join('');
}

/**
 * Refuses a request for grid views from an extractor that cannot compute them (TF.js backbones,
 * texts and sounds): a head with views needs the ONNX image adapter that wrote them.
 *
 * @throws ModelhubError `UNSUPPORTED_MODEL` when `views` is set.
 */
export function refuseViews(views: FeatureTap['views'], what: string): void {
  if (views !== undefined && views.length > 0) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${what} cannot join grid views${describeViews({ views })}; only ONNX image backbones have them.`,
      {
        hint: 'Check the head’s base model: modelhub.json "feature.views" needs the ONNX image backbone it was trained on.',
      },
    );
  }
}
