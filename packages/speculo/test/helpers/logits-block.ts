import { HostLogits, type LogitsBlock } from '../../src/sampling/logits-block.js';

/** A host logits block over `data`, read as rows of `vocabSize` (float32, or fp16 bit patterns). */
export function hostBlock(data: Float32Array | Uint16Array, vocabSize: number): HostLogits {
  return new HostLogits(data, data.length / vocabSize, vocabSize);
}

/** Every value of a block, row after row, as float32 numbers. */
export function blockValues(block: LogitsBlock): number[] {
  return Array.from({ length: block.rows }, (_, row) => Array.from(block.values(row))).flat();
}
