import { writeCorpus } from './bench/scenarios/secret-scan.js';
import { rmSync, mkdirSync } from 'node:fs';
rmSync('/tmp/scorp', { recursive: true, force: true }); mkdirSync('/tmp/scorp');
writeCorpus('/tmp/scorp', 5e6);
