/** The demo page's entry point: creates the shared state and wires the panels to the page's controls. */
import { initBenchView } from './bench-view.js';
import { detectDevice } from './device.js';
import { $ } from './dom.js';
import { loadPair } from './load-panel.js';
import { initPairPicker } from './pair-picker.js';
import { initExamples } from './prompt-form.js';
import { downloadTrace, toggleReplay } from './replay.js';
import { runBoth } from './run-panel.js';
import { createDemoState } from './state.js';
import { clearStorage, refreshStorage } from './storage-panel.js';

const state = createDemoState();

initPairPicker();
initExamples();
initBenchView(state);
$('load-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void loadPair(state);
});
$('prompt-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void runBoth(state);
});
$('stop').addEventListener('click', () => state.running?.abort());
$('replay').addEventListener('click', () => toggleReplay(state));
$('trace-spec').addEventListener('click', () => downloadTrace(state, 'spec'));
$('trace-base').addEventListener('click', () => downloadTrace(state, 'base'));
$('storage-refresh').addEventListener('click', () => void refreshStorage(state));
$('storage-clear').addEventListener('click', () => void clearStorage(state));

void detectDevice();
void refreshStorage(state);
