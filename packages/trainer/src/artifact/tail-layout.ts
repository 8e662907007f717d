/** Where a fine-tuned tail lives inside a head folder (no TF.js needed to name the files). */
export const tailFiles = { model: 'tail/model.json', weights: 'tail/weights.bin' } as const;
