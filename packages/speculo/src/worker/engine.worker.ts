/// <reference lib="webworker" />
import { expose } from 'comlink';
import { installErrorTransfer } from './error-transfer.js';
import { WorkerEngine } from './worker-engine.js';

installErrorTransfer();
expose(new WorkerEngine());
