import { readFileSync } from 'node:fs';
import { lintSource } from '@secretlint/core';
import { creator } from '@secretlint/secretlint-rule-preset-recommend';
import { SecretMatcher } from './dist/dataprotect/scanner/core/secret-matcher.js';
const file = process.argv[2];
const text = readFileSync(file, 'latin1');
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
const m = new SecretMatcher();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
for (let round = 0; round < 4; round++) {
  let c = cpu();
  for (let i = 0; i < 50; i++) m.scan(text, {latin1:true});
  const r = cpu() - c;
  c = cpu();
  for (let i = 0; i < 10; i++) await lintSource({ source: { content: text, filePath: file, contentType: 'text' }, options: { config, maskSecrets: true } });
  const s = cpu() - c;
  const mb = text.length / 1e6;
  console.log(`rampart ${(mb*50 / r).toFixed(0)} MB/s, secretlint ${(mb*10 / s).toFixed(0)} MB/s, ratio ${((s/10) / (r/50)).toFixed(1)}`);
}
