import { inflateSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { PROBE_TOLERANCE, compareProbe, featureSketch, probeRecord } from './probe-check.ts';
import { PROBE_ID, probeInput } from './probe-input.ts';

function vector(dim: number, seed: number): Float32Array {
  return Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));
}

describe('probe inputs', () => {
  it('are the same bytes every time, of the kind each modality reads', () => {
    const image = probeInput('image') as Uint8Array;
    expect(Buffer.from(image).equals(Buffer.from(probeInput('image') as Uint8Array))).toBe(true);
    expect(Buffer.from(image.subarray(1, 4)).toString('ascii')).toBe('PNG');
    const png = Buffer.from(image);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([96, 64]);
    const idat = png.indexOf('IDAT');
    const pixels = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    expect(pixels.length).toBe(64 * (1 + 3 * 96));

    const wav = Buffer.from(probeInput('audio') as Uint8Array);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.length).toBe(44 + 2 * 24000);

    expect(probeInput('text')).toMatchObject({
      name: PROBE_ID,
      text: expect.stringMatching(/\w+ \w+/) as string,
    });
  });
});

describe('the probe comparison', () => {
  it('sketches a vector in 16 numbers the same way every time, and keeps distances', () => {
    const a = vector(960, 1);
    expect(featureSketch(a)).toEqual(featureSketch(Float32Array.from(a)));
    expect(featureSketch(a)).toHaveLength(16);
    const far = featureSketch(vector(960, 2));
    expect(
      compareProbe(probeRecord(a, [0.5, 0.5]), { ...probeRecord(a, [0.5, 0.5]), features: far }).same,
    ).toBe(false);
  });

  it('reads float noise as the same and a 1% change of the features as different', () => {
    const a = vector(1920, 3);
    const recorded = probeRecord(a, [0.2, 0.8]);
    const noise = a.map((x, i) => x * (1 + 1e-6 * Math.cos(i)));
    const same = compareProbe(recorded, probeRecord(noise, [0.2000001, 0.7999999]));
    expect(same.same).toBe(true);
    expect(same.featureDrift).toBeLessThan(PROBE_TOLERANCE / 100);

    const changed = a.map((x, i) => x + 0.01 * Math.cos(i * 1.7));
    const drift = compareProbe(recorded, probeRecord(changed, [0.2, 0.8]));
    expect(drift.same).toBe(false);
    expect(drift.featureDrift).toBeGreaterThan(0.005);

    const flipped = compareProbe(recorded, probeRecord(a, [0.25, 0.75]));
    expect(flipped).toMatchObject({ same: false, probabilityDrift: expect.closeTo(0.05, 6) as number });
  });
});
