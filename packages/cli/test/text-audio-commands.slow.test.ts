// Text and audio through the real commands against a real registry: inspect, embed, train (with bad
// inputs and --skip-bad), eval, push, fromPretrained from an empty cache, predict and export.
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  captureIo,
  ensureFixtures,
  startTestRegistry,
  type FixtureSet,
  type TestRegistry,
} from '@modelhub/testing';

import * as ort from 'onnxruntime-node';

import { loadAudio } from '@modelhub/audio';
import { pcm16Wav } from '@modelhub/core';

import { parseNpy } from '../src/adapters/npy-writer.ts';
import { fromPretrained } from '../src/index.ts';
import { runCli } from '../src/program.ts';

let fx: FixtureSet;
let registry: TestRegistry;
let work: string;
let token: string;

/** Runs `hub` against the test registry with its own cache; returns exit code and output. */
async function hub(
  args: readonly string[],
  cache = 'cache',
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['--endpoint', registry.url, '--cache-dir', join(work, cache), ...args], io);
  return { code, out: io.out, err: io.err };
}

/** Copies the first `n` files of each class folder (from `skip` on) into `target/<label>/`. */
async function subset(source: string, target: string, n: number, skip = 0): Promise<string[]> {
  const copied: string[] = [];
  for (const label of (await readdir(source)).sort()) {
    await mkdir(join(target, label), { recursive: true });
    for (const file of (await readdir(join(source, label))).sort().slice(skip, skip + n)) {
      await copyFile(join(source, label, file), join(target, label, file));
      copied.push(join(target, label, file));
    }
  }
  return copied;
}

beforeAll(async () => {
  fx = await ensureFixtures();
  registry = await startTestRegistry({ seed: true });
  token = await registry.createToken('alice', true);
  work = await mkdtemp(join(tmpdir(), 'modelhub-text-audio-'));
});

afterAll(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

describe('audio: speech-embedding', () => {
  it('inspect states the modality and the input contract', async () => {
    const r = await hub(['--json', 'inspect', 'speech-embedding']);
    expect(r.code, r.err).toBe(0);
    const ins = JSON.parse(r.out) as {
      modality: string;
      contract: string;
      chosen: { dim: number; pooling: string };
    };
    expect(ins.modality).toBe('audio');
    expect(ins.contract).toMatch(/\.wav files .* mono 16000 Hz/);
    expect(ins.chosen).toMatchObject({ dim: 96, pooling: 'mean' });
    const text = await hub(['inspect', 'speech-embedding']);
    expect(text.out).toMatch(/modality {2}audio/);
  });

  it('trains on 8 clips per keyword, names bad files, skips them on request, and the head travels', async () => {
    const data = join(work, 'kw-train');
    await subset(fx.keywords.dir, data, 8);
    await writeFile(join(data, 'yes', 'empty.wav'), '');
    const clip = await readFile(join(data, 'no', (await readdir(join(data, 'no')))[0] ?? ''));
    await writeFile(join(data, 'no', 'cut.wav'), clip.subarray(0, 2000));
    await writeFile(
      join(data, 'go', 'song.wav'),
      Buffer.from('ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0000 not a wav'),
    );
    const head = join(work, 'kw-head');
    const refused = await hub(['train', '--base', 'speech-embedding', '--data', data, '--out', head]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('empty.wav: empty file');
    expect(refused.err).toContain('song.wav: not a WAV file');

    const trained = await hub([
      '--json',
      'train',
      '--base',
      'speech-embedding',
      '--data',
      data,
      '--out',
      head,
      '--skip-bad',
    ]);
    expect(trained.code, trained.err).toBe(0);
    const report = JSON.parse(trained.out) as { dataset: { skipped: string[] }; feature: { dim: number } };
    expect(report.dataset.skipped.map((p) => p.split('/').pop()).sort()).toEqual([
      'cut.wav',
      'empty.wav',
      'song.wav',
    ]);
    expect(report.feature.dim).toBe(96);
    const manifest = JSON.parse(await readFile(join(head, 'modelhub.json'), 'utf8')) as {
      task: string;
      preprocessing: { modality: string };
      check?: { probe: string; probabilities: number[] };
    };
    expect(manifest.task).toBe('audio-classification');
    expect(manifest.preprocessing.modality).toBe('audio');
    // The self-check: the synthetic chirp's outputs, recorded through the load path.
    expect(manifest.check?.probe).toBe('modelhub-probe-1');
    expect(manifest.check?.probabilities).toHaveLength(6);

    const test = join(work, 'kw-test');
    await subset(fx.keywords.dir, test, 6, 18);
    const evaluated = await hub(['--json', 'eval', head, '--data', test]);
    expect(evaluated.code, evaluated.err).toBe(0);
    expect((JSON.parse(evaluated.out) as { metrics: { accuracy: number } }).metrics.accuracy).toBeGreaterThan(
      0.8,
    );

    expect((await hub(['push', head, 'alice/keyword-head', '--token', token])).code).toBe(0);
    const clf = await fromPretrained('alice/keyword-head', {
      endpoint: registry.url,
      cacheDir: join(work, 'app-cache'),
      env: {},
    });
    try {
      expect(clf.kind).toBe('classifier');
      if (clf.kind === 'classifier') {
        const files = (await readdir(join(test, 'stop'))).map((f) => join(test, 'stop', f));
        const predictions = await clf.predict(files, { topK: 1 });
        expect(predictions.filter((p) => p.top[0]?.label === 'stop').length).toBeGreaterThanOrEqual(
          files.length - 1,
        );
      }
    } finally {
      await clf.dispose();
    }

    // One ONNX file: both graphs, padding, windows, masked pooling and the head, raw samples in.
    const fusedFile = join(work, 'kw.onnx');
    const exported = await hub(['--json', 'export', head, '--out', fusedFile]);
    expect(exported.code, exported.err).toBe(0);
    const result = JSON.parse(exported.out) as {
      fused: boolean;
      input: string;
      check: { probabilityDifference: number };
    };
    expect(result).toMatchObject({ fused: true, input: 'audio' });
    // checked on the probe chirp before it was written
    expect(result.check.probabilityDifference).toBeLessThan(1e-5);
    expect((await hub(['export', head, '--out', fusedFile])).out).toMatch(/input: "audio" \[1, samples\]/);

    // 20 clips: 18 keywords (shorter than 1.5 s: centred in silence), one 3.2 s clip (many real
    // windows, no padding) and one 40 ms clip (shorter than a hop: the window nearest its middle).
    const clips = (await readdir(test, { recursive: true }))
      .filter((f) => f.endsWith('.wav'))
      .sort()
      .slice(0, 18)
      .map((f) => join(test, f));
    const words = await Promise.all(clips.slice(0, 4).map((f) => loadAudio(f, 16_000)));
    const long = join(work, 'long.wav');
    await writeFile(
      long,
      pcm16Wav(Float32Array.from(words.flatMap((w) => [...w.samples, ...new Float32Array(4000)])), 16_000),
    );
    const tiny = join(work, 'tiny.wav');
    await writeFile(tiny, pcm16Wav((words[0]?.samples ?? new Float32Array()).subarray(4000, 4640), 16_000));
    const files = [...clips, long, tiny];
    expect(files).toHaveLength(20);
    const predicted = await hub(['--json', 'predict', head, ...files, '--top', '6']);
    expect(predicted.code, predicted.err).toBe(0);
    expect(predicted.err).not.toContain('self-check');
    const scores = (
      JSON.parse(predicted.out) as { predictions: Array<{ top: Array<{ index: number; score: number }> }> }
    ).predictions;
    const session = await ort.InferenceSession.create(fusedFile);
    try {
      expect(session.inputNames).toEqual(['audio']);
      let worst = 0;
      for (const [i, file] of files.entries()) {
        const audio = await loadAudio(file, 16_000);
        const out = await session.run({
          audio: new ort.Tensor('float32', audio.samples, [1, audio.samples.length]),
        });
        const probs = out['probs']?.data as Float32Array;
        expect(probs).toHaveLength(6);
        for (const { index, score } of scores[i]?.top ?? []) {
          worst = Math.max(worst, Math.abs((probs[index] ?? NaN) - score));
        }
      }
      console.log(
        `fused export vs hub predict, 20 clips: largest probability difference ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('embed names an unsupported codec and a truncated file, and keeps the rest', async () => {
    const files = (await subset(fx.keywords.dir, join(work, 'kw-embed'), 1)).slice(0, 3);
    const mp3 = join(work, 'voice.mp3.wav');
    await writeFile(mp3, Buffer.from([0xff, 0xfb, 0x90, 0x44, 0, 0, 0, 0, 0, 0, 0, 0]));
    const r = await hub(['embed', 'speech-embedding', ...files, mp3, '--out', join(work, 'kw.npy')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`skipped ${mp3}: ${mp3}: MP3 audio is not supported`);
    expect(parseNpy(new Uint8Array(await readFile(join(work, 'kw.npy')))).shape).toEqual([3, 96]);
  });
});

describe('text: use-lite', () => {
  it('inspect, a CSV of texts with an empty and an over-long row, eval on .txt folders, predict, export', async () => {
    const ins = await hub(['--json', 'inspect', 'use-lite']);
    expect(ins.code, ins.err).toBe(0);
    expect(JSON.parse(ins.out)).toMatchObject({ modality: 'text', chosen: { dim: 512, pooling: 'none' } });

    const rows: string[] = ['text,label'];
    for (const label of fx.spam.labels) {
      for (const file of (await readdir(join(fx.spam.dir, label))).sort().slice(0, 8)) {
        const text = (await readFile(join(fx.spam.dir, label, file), 'utf8')).trim();
        rows.push(`"${text.replace(/"/g, '""')}",${label}`);
      }
    }
    rows.push(',ham');
    rows.push(`"${'win money now '.repeat(120)}",spam`);
    const csv = join(work, 'subjects.csv');
    await writeFile(csv, `${rows.join('\n')}\n`);
    const head = join(work, 'spam-head');
    const refused = await hub(['train', '--base', 'use-lite', '--data', csv, '--out', head]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`${csv}:18: empty text`);
    const trained = await hub(['train', '--base', 'use-lite', '--data', csv, '--out', head, '--skip-bad']);
    expect(trained.code, trained.err).toBe(0);
    expect(trained.err.match(/longer than 256 tokens/g)).toHaveLength(1);

    const test = join(work, 'spam-test');
    await subset(fx.spam.dir, test, 40, 100);
    const evaluated = await hub(['--json', 'eval', head, '--data', test]);
    expect(evaluated.code, evaluated.err).toBe(0);
    expect((JSON.parse(evaluated.out) as { metrics: { accuracy: number } }).metrics.accuracy).toBeGreaterThan(
      0.65,
    );

    const probe = join(work, 'probe.txt');
    await writeFile(probe, 'Re: [ILUG] kernel patch for the new wireless driver\n');
    const empty = join(work, 'empty.txt');
    await writeFile(empty, '\n');
    const predicted = await hub(['--json', 'predict', head, probe, empty]);
    expect(predicted.code, predicted.err).toBe(0);
    expect(predicted.err).not.toContain('self-check');
    const recorded = JSON.parse(await readFile(join(head, 'modelhub.json'), 'utf8')) as {
      check?: { probe: string; probabilities: number[] };
    };
    expect(recorded.check?.probe).toBe('modelhub-probe-1');
    expect(recorded.check?.probabilities).toHaveLength(2);
    const out = JSON.parse(predicted.out) as {
      predictions: Array<{ input: string; top: unknown[]; error?: { code: string; message: string } }>;
    };
    expect(out.predictions[0]?.top).toHaveLength(2);
    expect(out.predictions[1]?.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(`${empty} is empty`) as string,
    });

    const exported = await hub(['--json', 'export', head, '--out', join(work, 'spam.onnx')]);
    expect(exported.code, exported.err).toBe(0);
    const written = JSON.parse(exported.out) as { note: string; check: { probabilityDifference: number } };
    expect(written.note).toMatch(/TF\.js graph text encoder .*cannot turn a TF\.js graph into ONNX/);
    // the head-only file, run by onnxruntime on the probe text's features, gives the head's outputs
    expect(written.check.probabilityDifference).toBeLessThan(1e-5);

    const embedded = await hub(['embed', 'use-lite', probe, '--out', join(work, 'text.npy')]);
    expect(embedded.code, embedded.err).toBe(0);
    expect(parseNpy(new Uint8Array(await readFile(join(work, 'text.npy')))).shape).toEqual([1, 512]);
  });
});
