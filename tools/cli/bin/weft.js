#!/usr/bin/env node
// The `weft` command's launcher: the CLI itself is compiled to ../dist/main.js (npm run build).
import '../dist/main.js';
