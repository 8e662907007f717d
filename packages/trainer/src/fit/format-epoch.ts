import type { EpochRecord } from './fit-types.ts';

/** One short progress line per epoch, e.g. `epoch  12  loss 0.4123  val_loss 0.5012  val_acc 88.0%`. */
export function formatEpoch(record: EpochRecord, maxEpochs: number): string {
  const width = String(maxEpochs).length;
  const parts = [
    `epoch ${String(record.epoch).padStart(width)}/${maxEpochs}`,
    `loss ${record.trainLoss.toFixed(4)}`,
  ];
  if (record.valLoss !== undefined) {
    parts.push(`val_loss ${record.valLoss.toFixed(4)}`);
  }
  if (record.valAccuracy !== undefined) {
    parts.push(`val_acc ${(100 * record.valAccuracy).toFixed(1)}%`);
  }
  return parts.join('  ');
}
