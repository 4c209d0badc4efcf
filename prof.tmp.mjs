import { readFileSync } from 'node:fs';
import { SecretMatcher } from './dist/dataprotect/scanner/core/secret-matcher.js';
const text = readFileSync(process.argv[2], 'latin1');
const m = new SecretMatcher();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
let c = cpu();
for (let i = 0; i < 2000; i++) m.scan(text, { latin1: true });
console.log((text.length * 2000 / 1e6 / (cpu() - c)).toFixed(0), 'MB/s');
