#!/usr/bin/env node
'use strict';
// kcov-review command line: the bundled CLI (run `npm run build` first).
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`kcov-review: ${cli} is missing; run \`npm run build\` in ${path.dirname(__dirname)} first\n`);
  process.exit(2);
}
require(cli);
