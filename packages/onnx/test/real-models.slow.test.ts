import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ensureFixtures } from '@modelhub/testing';

import { addGraphOutputs } from '../src/edit/add-graph-outputs.ts';
import { readOnnxModel } from '../src/model/onnx-model.ts';
import { chooseFeatureTap } from '../src/tap/find-feature-taps.ts';
import { readFields, WireWriter } from '../src/wire/wire.ts';

const fx = await ensureFixtures();

describe('@modelhub/onnx on the fixture models', () => {
  it('re-encodes every model byte for byte from its parsed fields', async () => {
    for (const name of ['ppocr-rec', 'ppocr-cls', 'ppocr-det', 'silero-vad'] as const) {
      const bytes = new Uint8Array(await readFile(join(fx.models[name].dir, 'model.onnx')));
      const w = new WireWriter();
      for (const f of readFields(bytes)) {
        // re-encode the graph from its own fields too, one level down
        if (f.no === 7) {
          const g = new WireWriter();
          readFields(f.bytes).forEach((gf) => g.raw(gf));
          w.bytes(7, g.finish());
        } else {
          w.raw(f);
        }
      }
      expect(Buffer.compare(Buffer.from(w.finish()), Buffer.from(bytes))).toBe(0);
    }
  });

  it('finds the documented taps: rec transpose_51.tmp_0 (120 of 6625), cls reshape2_0.tmp_0 (200 of 2), via Constant-node weights', async () => {
    const rec = readOnnxModel(await readFile(join(fx.models['ppocr-rec'].dir, 'model.onnx')));
    expect(rec.graph.initializers.size).toBe(0);
    expect(chooseFeatureTap(rec)).toMatchObject({
      tensor: 'transpose_51.tmp_0',
      dim: 120,
      classes: 6625,
      op: 'MatMul',
    });
    const cls = readOnnxModel(await readFile(join(fx.models['ppocr-cls'].dir, 'model.onnx')));
    expect(chooseFeatureTap(cls)).toMatchObject({ tensor: 'reshape2_0.tmp_0', dim: 200, classes: 2 });
  });

  it('adds the tap as an output while keeping the original graph bytes as a prefix', async () => {
    const bytes = new Uint8Array(await readFile(join(fx.models['ppocr-cls'].dir, 'model.onnx')));
    const edited = addGraphOutputs(bytes, [{ name: 'reshape2_0.tmp_0', elemType: 1 }]);
    const graphOf = (b: Uint8Array): Uint8Array =>
      readFields(b).find((f) => f.no === 7)?.bytes ?? new Uint8Array();
    const before = graphOf(bytes);
    const after = graphOf(edited);
    expect(Buffer.compare(Buffer.from(after.subarray(0, before.length)), Buffer.from(before))).toBe(0);
    expect(readOnnxModel(edited).graph.outputs.map((o) => o.name)).toEqual([
      'softmax_0.tmp_0',
      'reshape2_0.tmp_0',
    ]);
  });
});
