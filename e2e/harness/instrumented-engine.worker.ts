/// <reference lib="webworker" />
// The library's engine worker with GPU buffer counting installed first.
import './gpu-buffer-counter.js';
import 'speculo/worker';
