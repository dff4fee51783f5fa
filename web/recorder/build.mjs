// Minifies backstory.js into internal/recorder/backstory.min.js, the file
// the binary embeds and serves. The first line records the SHA-256 of the
// source it was built from; a Go test fails when the two drift apart.
//
//   cd web/recorder && npm ci && npm run build
import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {transformSync} from 'esbuild';

const src = readFileSync(new URL('backstory.js', import.meta.url), 'utf8');
const sum = createHash('sha256').update(src).digest('hex');
const out = transformSync(src, {
  minify: true,
  target: 'es2017',
  legalComments: 'none',
});
const dest = new URL('../../internal/recorder/backstory.min.js', import.meta.url);
writeFileSync(dest, `// backstory recorder, built from web/recorder/backstory.js sha256:${sum}\n` +
  out.code);
